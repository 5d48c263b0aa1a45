#!/usr/bin/python3
"""make bench-leader: what leader-first commands cost next to a plain write.

Two redis-servers and a dbsyncd with a journal in front of both (and one
with --no-journal). redis-benchmark -c 50 -d 100 runs, side by side in
rounds with the order reversed every other round: SET (a plain write to
both databases), SADD to fill a set, then SPOP of it, XADD with the ID
"*" and XREADGROUP of one new entry at a time by one consumer group
(leader-first: the leader's round trip first, then the effect to the
other database, and every client waits meanwhile; XREADGROUP runs alone),
with -P 1 and -P 16.
It prints ops/s and p50 latency, medians over the rounds, and each
command's rate as a ratio of SET's.

  /usr/bin/python3 bench/leader_first.py [--rounds 3] [--n 100000]
"""

import argparse
import csv
import io
import os
import sys
import tempfile

from common import HOST, Processes, ROOT, fmt_int, free_port, log, median, resp_command, run_bounded, wait_ready

DBSYNCD = os.path.join(ROOT, "daemon", "dbsyncd")
# name, redis-benchmark arguments after -t/-n: each as its CSV row names it.
TESTS = [
    ("SET", ["-t", "set"]),
    ("SPOP", ["-t", "spop"]),
    ("XADD", ["XADD", "bench:stream", "MAXLEN", "~", "100000", "*", "f", "__rand_int__"]),
    ("XREADGROUP", ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "bench:group", ">"]),
]


def benchmark(port, pipeline, n, test_args):
    argv = ["redis-benchmark", "-h", HOST, "-p", str(port), "-c", "50", "-d", "100", "-r", "1000000",
            "-P", str(pipeline), "-n", str(n), "--csv"] + test_args
    rc, out, err = run_bounded(argv, max(60, n / 2000))
    rows = [r for r in csv.reader(io.StringIO(out)) if len(r) >= 8 and r[0] != "test"]
    if rc != 0 or not rows:
        sys.exit("bench/leader_first.py: redis-benchmark failed: " + (err.strip() or out.strip())[-300:])
    return float(rows[-1][1]), float(rows[-1][4])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--n", type=int, default=100000, help="requests per redis-benchmark run (default 100000)")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="dbsync-bench-leader-")
    procs = Processes(work)
    try:
        ports = [free_port(), free_port()]
        for i, p in enumerate(ports):
            argv = ["redis-server", "--port", str(p), "--bind", HOST, "--save", "", "--appendonly", "no",
                    "--dir", work]
            assert wait_ready(procs.start("redis%d" % i, argv), p)
        dbs = ",".join("redis:%s:%d" % (HOST, p) for p in ports)
        targets = {}
        for name, extra in (("journal", ["--journal-dir", os.path.join(work, "journal")]),
                            ("no-journal", ["--no-journal"])):
            port = free_port()
            assert wait_ready(procs.start("dbsyncd-" + name, [DBSYNCD, "-p", str(port), "-d", dbs] + extra), port)
            targets[name] = port
        results = {}  # (target, pipeline, test) -> [(rps, p50)]
        order = list(targets)
        for rnd in range(a.rounds):
            for target in (order if rnd % 2 == 0 else order[::-1]):
                port = targets[target]
                for pipeline in (1, 16):
                    # SPOP needs members: as many as the run pops, and more;
                    # XREADGROUP new entries, and a group to read them.
                    benchmark(port, 16, a.n * 2, ["-t", "sadd"])
                    resp_command(port, "DEL", "bench:group")
                    benchmark(port, 16, a.n * 2, ["XADD", "bench:group", "*", "f", "v"])
                    resp_command(port, "XGROUP", "CREATE", "bench:group", "g", "0")
                    for test, args in TESTS:
                        rps, p50 = benchmark(port, pipeline, a.n, args)
                        results.setdefault((target, pipeline, test), []).append((rps, p50))
                        log("round %d  %-10s -P %-2d %-4s %9s/s  p50 %.3f ms" % (
                            rnd + 1, target, pipeline, test, fmt_int(rps), p50))
        log("")
        log("| dbsyncd -> 2 dbs | -P | command | ops/s | p50 ms | ops/s / SET's |")
        log("|---|--:|---|--:|--:|--:|")
        for target in targets:
            for pipeline in (1, 16):
                set_rps = median([r for r, _ in results[(target, pipeline, "SET")]])
                for test, _ in TESTS:
                    rows = results[(target, pipeline, test)]
                    rps, p50 = median([r for r, _ in rows]), median([p for _, p in rows])
                    log("| %s | %d | %s | %s | %.3f | %.2f |" % (target, pipeline, test, fmt_int(rps), p50,
                                                                  rps / set_rps if set_rps else 0))
        return 0
    finally:
        procs.stop_all()


if __name__ == "__main__":
    sys.exit(main())
