#!/usr/bin/python3
"""make bench-resync: how long dbsync-check --resync takes to bring back a
diverged database holding --keys keys, and what it costs the live writes.

Two redis-servers (no persistence) filled with the same --keys keys (DEBUG
POPULATE on each), a dbsyncd with a journal in front. The second database
is killed and restarted empty, so dbsyncd marks it diverged. Then, with
redis-benchmark writing through dbsyncd all along (-c 20 -P 1 SET), the
live write rate is read from dbsyncd's commands_forwarded over a quiet
window, and again while dbsync-check --resync db1 copies the database
through REPLICAOF and dbsyncd catches it up from the journal. At the end,
with the load stopped, both databases must have the same DEBUG DIGEST.

  /usr/bin/python3 bench/resync.py [--keys 1000000]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

from common import HOST, Processes, ROOT, fmt_int, free_port, log, resp_command, wait_ready

CHECK = os.path.join(ROOT, "check", "dbsync-check")
DBSYNCD = os.path.join(ROOT, "daemon", "dbsyncd")


def info(port):
    raw = resp_command(port, "DBSYNC", "INFO", timeout=5).decode(errors="replace")
    return dict(re.findall(r"^(\w+):(.*?)\r?$", raw, re.M))


def db_field(i, n, field):
    m = re.search(r"(?:^|,)%s=([^,]*)" % field, i.get("db%d" % n, ""))
    return m.group(1) if m else ""


def until(what, predicate, timeout):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            sys.exit("bench/resync.py: timed out waiting for " + what)
        time.sleep(0.1)


def forwarded_rate(port, seconds):
    a, t0 = int(info(port)["commands_forwarded"]), time.monotonic()
    time.sleep(seconds)
    return (int(info(port)["commands_forwarded"]) - a) / (time.monotonic() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keys", type=int, default=1000000, help="keys in each database (default 1000000)")
    ap.add_argument("--window", type=float, default=5.0, help="seconds of the quiet measurement (default 5)")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="dbsync-bench-resync-")
    procs = Processes(work)
    try:
        ports = [free_port(), free_port()]
        redis = []
        for i, p in enumerate(ports):
            argv = ["redis-server", "--port", str(p), "--bind", HOST, "--save", "", "--appendonly", "no",
                    "--enable-debug-command", "yes", "--dir", work, "--dbfilename", "r%d.rdb" % i]
            redis.append((argv, procs.start("redis%d" % i, argv)))
            assert wait_ready(redis[-1][1], p)
        for p in ports:
            resp_command(p, "DEBUG", "POPULATE", a.keys, "key", 20, timeout=600)
        dport = free_port()
        d = procs.start("dbsyncd", [DBSYNCD, "-p", str(dport), "-d", ",".join("redis:%s:%d" % (HOST, p) for p in ports),
                                    "--journal-dir", os.path.join(work, "journal")])
        assert wait_ready(d, dport)
        until("both databases up", lambda: db_field(info(dport), 1, "state") == "up", 10)
        # A few writes through dbsyncd, so it knows db1 had applied writes.
        for i in range(10):
            resp_command(dport, "SET", "through:%d" % i, "v")
        until("db1 applied them", lambda: db_field(info(dport), 1, "behind_entries") == "0", 10)
        # Back empty: diverged.
        procs.stop(redis[1][1], grace=0)
        redis[1] = (redis[1][0], procs.start("redis1-again", redis[1][0]))
        assert wait_ready(redis[1][1], ports[1])
        until("db1 diverged", lambda: db_field(info(dport), 1, "state") == "diverged", 10)

        load = procs.start("load", ["redis-benchmark", "-h", HOST, "-p", str(dport), "-c", "20", "-P", "1", "-t",
                                    "set", "-r", "100000", "-n", "100000000", "-q"])
        time.sleep(1)
        quiet = forwarded_rate(dport, a.window)
        start_fwd, t0 = int(info(dport)["commands_forwarded"]), time.monotonic()
        r = subprocess.run([CHECK, "--resync", "db1", "--from-dbsyncd", "%s:%d" % (HOST, dport), "-q"],
                           capture_output=True, text=True, timeout=3600)
        seconds = time.monotonic() - t0
        during = (int(info(dport)["commands_forwarded"]) - start_fwd) / seconds
        if r.returncode != 0:
            sys.exit("bench/resync.py: dbsync-check --resync failed: " + r.stdout + r.stderr)
        replayed = db_field(info(dport), 1, "replayed")
        procs.stop(load)
        until("db1 caught up", lambda: db_field(info(dport), 1, "behind_entries") == "0", 60)
        digests = [resp_command(p, "DEBUG", "DIGEST", timeout=120) for p in ports]
        same = digests[0] == digests[1]
        log("")
        log("resync of %s keys: %.1f s (dbsync-check --resync db1; %s journal records replayed after the copy)"
            % (fmt_int(a.keys), seconds, replayed))
        log("live SETs through dbsyncd (redis-benchmark -c 20 -P 1): %s/s before, %s/s during the resync (%.2fx)"
            % (fmt_int(quiet), fmt_int(during), during / quiet if quiet else 0))
        log("DEBUG DIGEST afterwards: %s" % ("equal" if same else "DIFFERENT"))
        return 0 if same else 1
    finally:
        procs.stop_all()


if __name__ == "__main__":
    sys.exit(main())
