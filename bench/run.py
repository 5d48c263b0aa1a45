#!/usr/bin/python3
"""make bench: dbsyncd side by side with redis-server and twemproxy.

One run on this machine, loopback only. The script starts its own
redis-servers, a twemproxy (nutcracker) and several dbsyncd instances, then:

  1. redis-benchmark -c 50 -d 100 -t set,get, with -P 1 and -P 16, against
     redis-server direct, twemproxy, dbsyncd -> 1 db, dbsyncd -> 2 dbs and
     dbsyncd with --pubkey (TLS, pinned client key) -> 1 db; several rounds,
     targets interleaved (order reversed every other round), medians;
  2. bench/php_loop.php (20,000 SETs): dbsync_send through dbsyncd, signed
     and unsigned, against phpredis straight to redis-server;
  3. dbsyncd's peak RSS with 10,000 idle clients, and its RSS after
     1,000,000 commands compared with after 100,000.

It prints a Markdown report (ops/s, p50/p99 latency, ratios, targets) and
writes it to bench/out/results.md, with results.json, raw.csv, a gnuplot bar
chart bench/out/bench.png and every process's log under bench/out/logs/.

Every process it starts is stopped on exit, also on Ctrl-C, SIGTERM or an
error, and dies with the script if the script itself is killed (the children
get PR_SET_PDEATHSIG). Every command it waits for has a timeout, and the whole
run has a budget (--budget, default 540 s).

Run it through `make bench` (which builds first) or directly:
  /usr/bin/python3 bench/run.py [--rounds 3] [--quick] [--strict] ...
"""

import argparse
import csv
import ctypes
import io
import json
import os
import re
import resource
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"  # loopback only, everywhere
MiB = 1024 * 1024

# --- targets ------------------------------------------------------------------

BUSY_POLL_US = 50  # the --busy-poll of the extra dbsyncd rows

RB_TARGETS = [  # key, label (the order is round 0's order)
    ("redis", "redis-server direct"),
    ("twemproxy", "twemproxy (nutcracker) -> 1 db"),
    ("dbsyncd1", "dbsyncd -> 1 db"),
    ("dbsyncd2", "dbsyncd -> 2 dbs"),
    ("dbsyncd_tls", "dbsyncd --pubkey (TLS) -> 1 db"),
    # Not a target: what the opt-in --busy-poll buys (see README, Benchmarks).
    ("dbsyncd1_bp", "dbsyncd --busy-poll %d -> 1 db" % BUSY_POLL_US),
]
RB_LABEL = dict(RB_TARGETS)
RB_SHORT = {"redis": "redis", "twemproxy": "twemproxy", "dbsyncd1": "dbsyncd\\n1 db",
            "dbsyncd2": "dbsyncd\\n2 dbs", "dbsyncd_tls": "dbsyncd\\nTLS 1 db",
            "dbsyncd1_bp": "dbsyncd\\nbusy-poll"}

# bench/php_loop.php prints one "name: N ops/s" line per way it measured.
# One run without a signing key gives the first three rows, one run against
# the authenticated dbsyncd with dbsync.signkey set gives the last.
PHP_MODES = [  # key, label, the line's name in php_loop.php's output, run
    ("phpredis", "phpredis -> redis-server direct", "phpredis direct", "unsigned"),
    # What one proxy hop costs a one-at-a-time loop, whoever the proxy is.
    ("phpredis_twemproxy", "phpredis -> twemproxy -> 1 db", "phpredis via twemproxy", "unsigned"),
    ("dbsync_direct", "dbsync_send -> redis-server direct (no daemon)", "dbsync_send direct", "unsigned"),
    ("dbsync", "dbsync_send -> dbsyncd -> 1 db, unsigned", "dbsync_send via dbsyncd", "unsigned"),
    ("dbsync_signed", "dbsync_send -> dbsyncd --pubkey -> 1 db, signed (TLS)", "dbsync_send via dbsyncd", "signed"),
    # The same two through daemons started with --busy-poll (opt-in, no target).
    ("dbsync_bp", "dbsync_send -> dbsyncd --busy-poll %d -> 1 db, unsigned" % BUSY_POLL_US,
     "dbsync_send via dbsyncd", "unsigned_bp"),
    ("dbsync_signed_bp", "dbsync_send -> dbsyncd --pubkey --busy-poll %d -> 1 db, signed" % BUSY_POLL_US,
     "dbsync_send via dbsyncd", "signed_bp"),
]
# Which dbsyncd each php_loop.php run goes through.
PHP_RUN_TARGET = {"unsigned": "dbsyncd1", "signed": "dbsyncd_tls", "unsigned_bp": "dbsyncd1_bp",
                  "signed_bp": "dbsyncd_tls_bp"}
PHP_LABEL = {m[0]: m[1] for m in PHP_MODES}


# --- small helpers --------------------------------------------------------------

def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


class BudgetExceeded(Exception):
    pass


class Interrupted(Exception):
    pass


def _on_signal(signum, _frame):
    raise Interrupted("signal %d" % signum)


def _on_alarm(_signum, _frame):
    raise BudgetExceeded("the run went past its time budget")


_libc = None


def _child_setup():
    """In the child before exec: die with the parent (PR_SET_PDEATHSIG)."""
    try:
        if _libc is not None:
            _libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def fmt_int(x):
    return "n/a" if x is None else "{:,}".format(int(round(x)))


def fmt_ms(x):
    return "n/a" if x is None else "%.3f" % x


def fmt_ratio(x):
    return "n/a" if x is None else "%.2f×" % x


def fmt_mib(kib):
    return "n/a" if kib is None else "%.1f MiB" % (kib / 1024.0)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def spread(xs):
    """(max - min) / median, as a percentage: how noisy the rounds were."""
    xs = [x for x in xs if x is not None]
    if len(xs) < 2:
        return None
    m = statistics.median(xs)
    return 100.0 * (max(xs) - min(xs)) / m if m else None


def ratio(a, b):
    return a / b if (a is not None and b) else None


def proc_status(pid):
    """VmRSS / VmHWM of a process, in KiB."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def count_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def resp_command(port, *args, timeout=2.0):
    """One RESP2 command over plain TCP; returns the raw reply bytes."""
    req = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        req += b"$%d\r\n%s\r\n" % (len(a), a)
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(req)
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if data.endswith(b"\r\n") and _resp_complete(data):
                break
        return data


def _resp_complete(data):
    if data[:1] in (b"+", b"-", b":"):
        return True
    if data[:1] == b"$":
        n = int(data[1:data.index(b"\r\n")])
        return n < 0 or len(data) >= data.index(b"\r\n") + 2 + n + 2
    return True  # good enough for the few replies read here


# --- processes ------------------------------------------------------------------

class Processes:
    """Background servers: started with logs, stopped (TERM, then KILL) at the end."""

    def __init__(self, logdir):
        self.logdir = logdir
        self.procs = []  # (name, Popen, logfile)

    def start(self, name, argv, cwd=None):
        logpath = os.path.join(self.logdir, name + ".log")
        f = open(logpath, "wb")
        f.write(("$ " + " ".join(argv) + "\n").encode())
        f.flush()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                             cwd=cwd, start_new_session=True, preexec_fn=_child_setup)
        self.procs.append((name, p, f))
        return p

    def stop(self, p, grace=3.0):
        if p.poll() is None:
            try:
                p.terminate()
            except OSError:
                pass
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                try:
                    p.kill()
                except OSError:
                    pass
                try:
                    p.wait(2)
                except subprocess.TimeoutExpired:
                    pass
        for i, (_, q, f) in enumerate(self.procs):
            if q is p:
                f.close()
                del self.procs[i]
                break

    def stop_all(self):
        for _, p, _ in list(self.procs):
            if p.poll() is None:
                try:
                    p.terminate()
                except OSError:
                    pass
        deadline = time.monotonic() + 3.0
        for _, p, f in list(self.procs):
            try:
                p.wait(max(0.05, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    p.kill()
                    p.wait(2)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            f.close()
        self.procs = []

    def log_tail(self, p, lines=5):
        for name, q, f in self.procs:
            if q is p:
                f.flush()
                try:
                    with open(os.path.join(self.logdir, name + ".log"), "rb") as r:
                        return b"\n".join(r.read().splitlines()[-lines:]).decode(errors="replace")
                except OSError:
                    return ""
        return ""


def run_bounded(argv, timeout, env=None, cwd=None):
    """Runs a command to completion within timeout seconds: (rc, stdout, stderr).
    rc is None on a timeout (the command is killed)."""
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                           env=env, cwd=cwd, preexec_fn=_child_setup)
        return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        err = (e.stderr or b"").decode(errors="replace")
        return None, out, err + "\n(timed out after %ss)" % timeout


def wait_ready(proc, port, ping=True, timeout=10.0):
    """Until the port accepts connections (and answers PING with +PONG)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if ping:
                if resp_command(port, "PING", timeout=0.5).startswith(b"+PONG"):
                    return True
            else:
                socket.create_connection((HOST, port), timeout=0.5).close()
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


# --- the benchmark ----------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.a = args
        self.out = os.path.abspath(args.out)
        self.logdir = os.path.join(self.out, "logs")
        self.tmp = None
        self.procs = None
        self.ports = {}
        self.pids = {}
        self.notes = []      # free-text lines for the report
        self.na = {}         # target key -> reason it could not be measured
        self.rb_raw = []     # dicts: round, target, pipeline, test, rps, p50, p99, avg, error
        self.php_raw = []    # dicts: round, mode, ops, error
        self.rss = {}
        self.t0 = time.monotonic()
        self.dbsyncd = os.path.join(ROOT, "daemon", "dbsyncd")
        self.tls = None      # dict(cert=, key=, pub=) once keys exist

    # -- setup

    def setup(self):
        os.makedirs(self.out, exist_ok=True)
        if os.path.isdir(self.logdir):
            shutil.rmtree(self.logdir)
        os.makedirs(self.logdir)
        # Keys, configs, redis --dir: under out/ (git-ignored), so that even a
        # kill -9 of this script leaves nothing behind that the next run keeps.
        self.tmp = os.path.join(self.out, "tmp")
        shutil.rmtree(self.tmp, ignore_errors=True)
        os.makedirs(self.tmp)
        self.procs = Processes(self.logdir)
        for tool in ("redis-server", "redis-benchmark"):
            if not shutil.which(tool):
                raise SystemExit("bench: %s not found (make deps installs redis-server, redis-tools)" % tool)
        if not os.access(self.dbsyncd, os.X_OK):
            raise SystemExit("bench: %s not built (run make)" % self.dbsyncd)

        self.load_before = open("/proc/loadavg").read().split()[:3]
        for name in ("r1", "r2"):
            self.start_redis(name)
        self.start_twemproxy()
        self.start_dbsyncd("dbsyncd1", ["r1"])
        self.start_dbsyncd("dbsyncd2", ["r1", "r2"])
        self.make_keys()
        bp = ["--busy-poll", str(BUSY_POLL_US)]
        p, why = self.start_dbsyncd("dbsyncd1_bp", ["r1"], extra=bp)
        if not p:
            self.na["dbsyncd1_bp"] = "dbsyncd --busy-poll refused: " + why
        if self.tls:
            p, why = self.start_dbsyncd("dbsyncd_tls", ["r1"], extra=["-s", self.tls["pub"]], ping=False)
            if not p:
                self.na["dbsyncd_tls"] = "dbsyncd -s refused: " + why
            p, why = self.start_dbsyncd("dbsyncd_tls_bp", ["r1"], extra=["-s", self.tls["pub"]] + bp, ping=False)
            if not p:
                self.na["dbsyncd_tls_bp"] = "dbsyncd -s --busy-poll refused: " + why

    def start_redis(self, name):
        port = free_port()
        argv = ["redis-server", "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
                "--dir", self.tmp, "--protected-mode", "yes", "--daemonize", "no",
                "--maxclients", "20000", "--logfile", ""]
        p = self.procs.start("redis-" + name, argv)
        if not wait_ready(p, port):
            raise SystemExit("bench: redis-server %s did not start: %s" % (name, self.procs.log_tail(p)))
        self.ports[name] = port
        self.pids[name] = p.pid
        if name == "r1":
            self.ports["redis"] = port

    def start_twemproxy(self):
        if not shutil.which("nutcracker"):
            self.na["twemproxy"] = "nutcracker not installed"
            return
        port, stats = free_port(), free_port()
        conf = os.path.join(self.tmp, "nutcracker.yml")
        with open(conf, "w") as f:
            f.write("bench:\n  listen: %s:%d\n  redis: true\n  hash: fnv1a_64\n  distribution: ketama\n"
                    "  auto_eject_hosts: false\n  timeout: 4000\n  server_connections: 1\n"
                    "  servers:\n   - %s:%d:1\n" % (HOST, port, HOST, self.ports["r1"]))
        argv = ["nutcracker", "-c", conf, "-s", str(stats), "-a", HOST, "-p",
                os.path.join(self.tmp, "nutcracker.pid"), "-o", os.path.join(self.logdir, "nutcracker.out")]
        p = self.procs.start("nutcracker", argv)
        if not wait_ready(p, port):
            self.na["twemproxy"] = "nutcracker did not start (see logs/nutcracker*.log)"
            self.procs.stop(p)
            return
        self.ports["twemproxy"] = port
        self.pids["twemproxy"] = p.pid

    def start_dbsyncd(self, name, dbs, extra=(), ping=True):
        port = free_port()
        argv = [self.dbsyncd, "-b", HOST, "-p", str(port),
                "-d", ",".join("redis:%s:%d" % (HOST, self.ports[d]) for d in dbs),
                "--shutdown-timeout", "1000", "--log-level", "warning",
                "--state-dir", self.state_dir(name)] + list(extra)
        p = self.procs.start(name, argv)
        if not wait_ready(p, port, ping=ping):
            reason = self.procs.log_tail(p, 2).splitlines()
            reason = reason[-1].strip() if reason else "exited"
            self.procs.stop(p)
            return None, reason
        self.ports[name] = port
        self.pids[name] = p.pid
        return p, None

    def state_dir(self, name):
        """A daemon's --state-dir (its TLS server key), inside the run's temporary directory."""
        return os.path.join(self.tmp, name + ".state")

    def make_keys(self):
        """Ed25519 key, a self-signed certificate for it, and its public key."""
        if not shutil.which("openssl"):
            self.na["dbsyncd_tls"] = "openssl not installed"
            return
        key = os.path.join(self.tmp, "client.key.pem")
        crt = os.path.join(self.tmp, "client.crt")
        pub = os.path.join(self.tmp, "client.pub.pem")
        steps = [
            ["openssl", "genpkey", "-algorithm", "ed25519", "-out", key],
            ["openssl", "pkey", "-in", key, "-pubout", "-out", pub],
            ["openssl", "req", "-new", "-x509", "-key", key, "-out", crt, "-days", "2",
             "-subj", "/CN=dbsync-bench"],
        ]
        for argv in steps:
            rc, _, err = run_bounded(argv, 20)
            if rc != 0:
                lines = err.strip().splitlines()
                self.na["dbsyncd_tls"] = "openssl failed" + (": " + lines[-1] if lines else "")
                return
        self.tls = dict(key=key, cert=crt, pub=pub)

    def remaining(self):
        return self.a.budget - (time.monotonic() - self.t0)

    # -- 1. redis-benchmark

    def redis_benchmark(self, target, pipeline, n):
        argv = ["redis-benchmark", "-h", HOST, "-p", str(self.ports[target]), "-c", "50", "-d", "100",
                "-t", "set,get", "-P", str(pipeline), "-n", str(n), "--csv"]
        if target == "dbsyncd_tls":
            argv += ["--tls", "--insecure", "--cert", self.tls["cert"], "--key", self.tls["key"]]
        # Generous: a target would have to run below ~20,000 ops/s to hit this.
        timeout = min(max(30, 2 * n / 20000 + 15), max(10, self.remaining() - 5))
        rc, out, err = run_bounded(argv, timeout)
        rows = {}
        for row in csv.reader(io.StringIO(out)):
            if len(row) >= 8 and row[0] in ("SET", "GET"):
                try:
                    rows[row[0]] = dict(rps=float(row[1]), avg=float(row[2]), p50=float(row[4]),
                                        p99=float(row[6]))
                except ValueError:
                    pass
        error = None
        if rc != 0 or len(rows) != 2:
            error = "rc=%s: %s" % (rc, (err.strip().splitlines() or ["no output"])[-1])
        return rows, error

    def run_rb(self):
        targets = [t for t, _ in RB_TARGETS if t in self.ports]
        for t, _ in RB_TARGETS:
            if t not in self.ports and t not in self.na:
                self.na[t] = "did not start"
        for rnd in range(self.a.rounds):
            order = targets if rnd % 2 == 0 else list(reversed(targets))
            for pipeline, n in ((1, self.a.n1), (16, self.a.n16)):
                for t in order:
                    if self.remaining() < 60:
                        self.notes.append("redis-benchmark: stopped after round %d of %d to stay within "
                                          "the time budget." % (rnd, self.a.rounds))
                        return
                    rows, error = self.redis_benchmark(t, pipeline, n)
                    for test in ("SET", "GET"):
                        r = rows.get(test, {})
                        self.rb_raw.append(dict(round=rnd + 1, target=t, pipeline=pipeline, test=test, n=n,
                                                rps=r.get("rps"), p50=r.get("p50"), p99=r.get("p99"),
                                                avg=r.get("avg"), error=error))
                    if error:
                        log("round %d  %-14s -P %-2d  FAILED %s" % (rnd + 1, t, pipeline, error))
                    else:
                        log("round %d  %-14s -P %-2d  SET %9s/s  GET %9s/s" % (
                            rnd + 1, t, pipeline, fmt_int(rows["SET"]["rps"]), fmt_int(rows["GET"]["rps"])))
        # Sanity: the 2-db daemon really wrote to the second database.
        try:
            if "dbsyncd2" in self.ports:
                got = resp_command(self.ports["r2"], "EXISTS", "key:__rand_int__")
                if not got.startswith(b":1"):
                    self.notes.append("WARNING: after the runs through dbsyncd -> 2 dbs, the second "
                                      "database does not hold the benchmark key.")
        except OSError as e:
            self.notes.append("sanity check of the second database failed: %s" % e)

    def rb_summary(self):
        s = {}
        for t, _ in RB_TARGETS:
            for pl in (1, 16):
                for test in ("SET", "GET"):
                    rows = [r for r in self.rb_raw if (r["target"], r["pipeline"], r["test"]) == (t, pl, test)]
                    s[(t, pl, test)] = dict(
                        rps=median([r["rps"] for r in rows]), p50=median([r["p50"] for r in rows]),
                        p99=median([r["p99"] for r in rows]), spread=spread([r["rps"] for r in rows]),
                        rounds=len([r for r in rows if r["rps"] is not None]))
        return s

    # -- 2. PHP loop

    def php_setup(self):
        php = shutil.which("php")
        loop = os.path.abspath(self.a.php_loop)
        ext = os.path.join(ROOT, "php-ext", "modules", "dbsync.so")
        if not php:
            return "php not installed"
        if not os.path.isfile(loop):
            return "%s not found" % os.path.relpath(loop, ROOT)
        if not os.path.isfile(ext):
            return "php-ext/modules/dbsync.so not built"
        rc, out, _ = run_bounded([php, "-d", "extension=" + ext, "-r",
                                  'echo extension_loaded("redis") ? "R" : "-", '
                                  'function_exists("dbsync_send") ? "D" : "-";'], 20)
        if rc != 0 or "D" not in out:
            return "the PHP extension does not load (php -d extension=%s)" % ext
        self.php = dict(php=php, loop=loop, ext=ext, phpredis="R" in out)
        return None

    def php_run(self, run, n):
        """One php_loop.php process: {mode key: ops/s} and {mode key: why not}."""
        target = PHP_RUN_TARGET[run]
        argv = [self.php["php"], "-d", "extension=" + self.php["ext"], "-d", "dbsync.keepalive=1"]
        env = dict(os.environ, DBSYNC_BENCH_DBSYNCD="%s:%d" % (HOST, self.ports[target]),
                   DBSYNC_BENCH_REDIS="%s:%d" % (HOST, self.ports["redis"]), DBSYNC_BENCH_N=str(n))
        if "twemproxy" in self.ports:
            env["DBSYNC_BENCH_TWEMPROXY"] = "%s:%d" % (HOST, self.ports["twemproxy"])
        if run != "unsigned":
            env["DBSYNC_BENCH_ONLY"] = "dbsyncd"  # the other ways are taken from the unsigned run
        if run.startswith("signed"):
            # The daemon's own key, from the file it wrote in its --state-dir.
            argv += ["-d", "dbsync.signkey=" + self.tls["key"],
                     "-d", "dbsync.server_pubkey=" + os.path.join(self.state_dir(target), "tls-server-pubkey.pem")]
        argv += [self.php["loop"], str(n)]
        timeout = min(max(60, 3 * n / 1000 + 15), max(10, self.remaining() - 5))
        rc, out, err = run_bounded(argv, timeout, env=env, cwd=ROOT)
        lines = parse_php_loop(out, err)
        got, why = {}, {}
        for key, _, name, r in PHP_MODES:
            if r != run:
                continue
            v = lines.get(name.lower())
            if isinstance(v, float):
                got[key] = v
            else:
                tail = (err.strip() or out.strip()).splitlines()
                why[key] = v or "rc=%s: %s" % (rc, tail[-1] if tail else "no output")
        return got, why

    def run_php(self):
        why = self.php_setup()
        if why:
            for m in PHP_MODES:
                self.na["php:" + m[0]] = why
            return
        runs = []
        for run, target in PHP_RUN_TARGET.items():
            if target in self.ports:
                runs.append(run)
            else:
                for key, _, _, r in PHP_MODES:
                    if r == run:
                        self.na["php:" + key] = self.na.get(target, "%s did not start" % target)
        for rnd in range(self.a.rounds):
            for run in (runs if rnd % 2 == 0 else list(reversed(runs))):
                if self.remaining() < 45:
                    self.notes.append("PHP loop: stopped in round %d of %d to stay within the time budget."
                                      % (rnd + 1, self.a.rounds))
                    return
                got, why = self.php_run(run, self.a.php_n)
                for key in list(got) + list(why):
                    self.php_raw.append(dict(round=rnd + 1, mode=key, n=self.a.php_n, ops=got.get(key),
                                             error=why.get(key)))
                    if key in why:
                        self.na.setdefault("php:" + key, why[key])
                log("round %d  php %-8s %s" % (rnd + 1, run, "  ".join(
                    "%s %s" % (k, fmt_int(got[k]) + "/s" if k in got else "n/a (%s)" % why[k])
                    for k in list(got) + list(why))))

    def php_summary(self):
        s = {}
        for k in PHP_LABEL:
            rows = [r["ops"] for r in self.php_raw if r["mode"] == k]
            s[k] = dict(ops=median(rows), spread=spread(rows), rounds=len([x for x in rows if x is not None]))
        return s

    # -- 3. memory

    def run_rss(self):
        if self.remaining() < 40:
            self.notes.append("RSS measurements skipped: out of time budget.")
            return
        self.rss_idle()
        if self.remaining() < 30:
            self.notes.append("RSS growth measurement skipped: out of time budget.")
            return
        self.rss_growth()

    def rss_idle(self):
        want = self.a.idle_clients
        p, why = self.start_dbsyncd("dbsyncd_idle", ["r1"], extra=["--max-clients", str(max(20000, want + 100))])
        if not p:
            self.rss["idle_error"] = "dbsyncd did not start: %s" % why
            return
        pid = p.pid
        base = proc_status(pid)
        fds0 = count_fds(pid)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        need = want + 256
        if soft < need:
            new_hard = hard if hard == resource.RLIM_INFINITY else max(hard, need)
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (need, new_hard))
            except (ValueError, OSError):
                try:
                    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
                except (ValueError, OSError):
                    pass
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        n = min(want, soft - 64)
        if n < want:
            self.notes.append("Idle clients: RLIMIT_NOFILE allows only %d of %d connections." % (n, want))
        t = time.monotonic()
        socks, errors = open_idle_clients(self.ports["dbsyncd_idle"], n, timeout=min(90, self.remaining() - 20))
        held = count_fds(pid)
        time.sleep(0.3)
        with_clients = proc_status(pid)
        self.rss.update(
            idle_clients_wanted=want, idle_clients=len(socks), idle_errors=errors,
            idle_connect_seconds=round(time.monotonic() - t, 2),
            idle_daemon_fds=(held - fds0) if (held is not None and fds0 is not None) else None,
            base_rss_kib=base.get("VmRSS"), idle_rss_kib=with_clients.get("VmRSS"),
            idle_hwm_kib=with_clients.get("VmHWM"))
        if len(socks) and base.get("VmRSS") and with_clients.get("VmRSS"):
            self.rss["idle_kib_per_client"] = round((with_clients["VmRSS"] - base["VmRSS"]) / len(socks), 2)
        for s in socks:
            s.close()
        time.sleep(0.5)
        after = proc_status(pid)
        self.rss["idle_after_close_rss_kib"] = after.get("VmRSS")
        # VmHWM is the kernel's high-water mark; it can lag a fresh VmRSS reading by a page or so.
        self.rss["idle_peak_hwm_kib"] = max(x for x in (after.get("VmHWM"), with_clients.get("VmHWM"),
                                                        with_clients.get("VmRSS"), 0) if x is not None) or None
        log("idle clients: %d connected, daemon RSS %s -> %s, peak %s" % (
            len(socks), fmt_mib(base.get("VmRSS")), fmt_mib(with_clients.get("VmRSS")),
            fmt_mib(after.get("VmHWM"))))
        self.procs.stop(p)

    def rss_growth(self):
        p, why = self.start_dbsyncd("dbsyncd_growth", ["r1"])
        if not p:
            self.rss["growth_error"] = "dbsyncd did not start: %s" % why
            return
        pid, port = p.pid, self.ports["dbsyncd_growth"]
        marks = {}
        done = 0
        for total in (100000, 1000000):
            n = total - done
            argv = ["redis-benchmark", "-h", HOST, "-p", str(port), "-c", "50", "-d", "100", "-t", "set",
                    "-P", "16", "-n", str(n), "--csv"]
            rc, out, err = run_bounded(argv, min(180, max(10, self.remaining() - 10)))
            if rc != 0:
                self.rss["growth_error"] = "redis-benchmark -n %d: rc=%s %s" % (n, rc, err.strip()[-200:])
                break
            done = total
            time.sleep(0.3)
            marks[total] = proc_status(pid).get("VmRSS")
        self.rss.update(growth_rss_100k_kib=marks.get(100000), growth_rss_1m_kib=marks.get(1000000),
                        growth_hwm_kib=proc_status(pid).get("VmHWM"))
        log("RSS after 100k commands %s, after 1M %s" % (fmt_mib(marks.get(100000)), fmt_mib(marks.get(1000000))))
        self.procs.stop(p)

    # -- report

    def versions(self):
        v = {}
        for name, argv in (("redis-server", ["redis-server", "--version"]),
                           ("nutcracker", ["nutcracker", "--version"]),
                           ("dbsyncd", [self.dbsyncd, "--version"]),
                           ("php", ["php", "-v"])):
            if shutil.which(argv[0]) or os.access(argv[0], os.X_OK):
                rc, out, err = run_bounded(argv, 10)
                text = (out + err).strip().splitlines()
                v[name] = text[0] if text else "?"
        rc, out, _ = run_bounded(["git", "-C", ROOT, "describe", "--always", "--dirty"], 10)
        v["git"] = out.strip() if rc == 0 else "?"
        return v

    def report(self):
        rb = self.rb_summary()
        php = self.php_summary()
        load_after = open("/proc/loadavg").read().split()[:3]
        L = []
        L.append("# dbsync benchmarks")
        L.append("")
        L.append("Run %s on %d CPU(s), %s; load average %s before, %s after; %.0f s in all. "
                 "redis-benchmark -c 50 -d 100 -t set,get; %d round(s), targets interleaved "
                 "(order reversed every other round); medians. -n %d with -P 1, -n %d with -P 16." % (
                     time.strftime("%Y-%m-%d %H:%M"), os.cpu_count() or 0, self.vers.get("git", "?"),
                     "/".join(self.load_before), "/".join(load_after), time.monotonic() - self.t0,
                     self.a.rounds, self.a.n1, self.a.n16))
        L.append("")
        L.append("## redis-benchmark (ops/s, latency in ms)")
        L.append("")
        L.append("| target | -P | SET ops/s | SET p50 | SET p99 | GET ops/s | GET p50 | GET p99 | vs redis direct (SET / GET) | spread |")
        L.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for pl in (1, 16):
            for t, label in RB_TARGETS:
                S, G = rb[(t, pl, "SET")], rb[(t, pl, "GET")]
                if S["rps"] is None and G["rps"] is None:
                    why = self.na.get(t, "failed (see logs/)")
                    L.append("| %s | %d | n/a | | | n/a | | | %s | |" % (label, pl, why))
                    continue
                rs = ratio(S["rps"], rb[("redis", pl, "SET")]["rps"])
                rg = ratio(G["rps"], rb[("redis", pl, "GET")]["rps"])
                sp = [x for x in (S["spread"], G["spread"]) if x is not None]
                L.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s / %s | %s |" % (
                    label, pl, fmt_int(S["rps"]), fmt_ms(S["p50"]), fmt_ms(S["p99"]),
                    fmt_int(G["rps"]), fmt_ms(G["p50"]), fmt_ms(G["p99"]), fmt_ratio(rs), fmt_ratio(rg),
                    ("%.0f%%" % max(sp)) if sp else ""))
        L.append("")
        L.append("## PHP: %d SETs in a loop (ops/s)" % self.a.php_n)
        L.append("")
        L.append("| client | ops/s | vs phpredis direct | spread |")
        L.append("|---|--:|--:|--:|")
        for k, label, _, _ in PHP_MODES:
            if php[k]["ops"] is None:
                L.append("| %s | n/a | %s | |" % (label, self.na.get("php:" + k, "failed (see results.json)")))
            else:
                L.append("| %s | %s | %s | %s |" % (label, fmt_int(php[k]["ops"]),
                                                    fmt_ratio(ratio(php[k]["ops"], php["phpredis"]["ops"])),
                                                    "%.0f%%" % php[k]["spread"] if php[k]["spread"] is not None else ""))
        L.append("")
        L.append("## dbsyncd memory")
        L.append("")
        r = self.rss
        L.append("| measurement | value |")
        L.append("|---|--:|")
        if "idle_error" in r:
            L.append("| idle clients | n/a: %s |" % r["idle_error"])
        elif r:
            L.append("| RSS at start | %s |" % fmt_mib(r.get("base_rss_kib")))
            L.append("| idle clients connected (each answered one PING) | %s of %s |" % (
                fmt_int(r.get("idle_clients")), fmt_int(r.get("idle_clients_wanted"))))
            L.append("| RSS with the idle clients | %s |" % fmt_mib(r.get("idle_rss_kib")))
            L.append("| RSS per idle client | %s |" % (
                "%.1f KiB" % r["idle_kib_per_client"] if r.get("idle_kib_per_client") is not None else "n/a"))
            L.append("| peak RSS (VmHWM) | %s |" % fmt_mib(r.get("idle_peak_hwm_kib")))
            L.append("| RSS after they disconnected | %s |" % fmt_mib(r.get("idle_after_close_rss_kib")))
        if "growth_error" in r:
            L.append("| RSS growth | n/a: %s |" % r["growth_error"])
        elif r.get("growth_rss_100k_kib"):
            g = self.growth()
            L.append("| RSS after 100,000 SETs (-P 16) | %s |" % fmt_mib(r.get("growth_rss_100k_kib")))
            L.append("| RSS after 1,000,000 SETs | %s |" % fmt_mib(r.get("growth_rss_1m_kib")))
            L.append("| growth from 100k to 1M | %s |" % ("n/a" if g is None else "%+d KiB" % g))
        L.append("")
        L.append("## Targets (ratios of medians from this run)")
        L.append("")
        L.append("| target | wanted | measured | met? |")
        L.append("|---|--:|--:|:-:|")
        self.verdicts = []
        for name, want, measured, ok in self.targets(rb, php):
            self.verdicts.append((name, ok))
            L.append("| %s | %s | %s | %s |" % (name, want or "—", measured,
                                                 {True: "yes", False: "**no**", None: "n/a"}[ok] if want else "—"))
        L.append("")
        L.append("Ratios give SET / GET separately; a target is met when both are.")
        L.append("Spread = (max − min) / median of ops/s over the rounds (the larger of SET and GET): "
                 "above ~10% the machine was busy and the ratios are rough.")
        if float(self.load_before[0]) >= 0.5:
            L.append("")
            L.append("Note: the machine was not idle (load average %s at the start): other work shares "
                     "the CPUs with the benchmark; compare ratios, not absolute numbers." % self.load_before[0])
        for n in self.notes:
            L.append("")
            L.append(n)
        L.append("")
        L.append("![ops/s](bench.png)")
        L.append("")
        return "\n".join(L)

    def growth(self):
        a, b = self.rss.get("growth_rss_100k_kib"), self.rss.get("growth_rss_1m_kib")
        return None if (a is None or b is None) else b - a

    def targets(self, rb, php):
        def pair(a, b, pl):
            rs = ratio(rb[(a, pl, "SET")]["rps"], rb[(b, pl, "SET")]["rps"])
            rg = ratio(rb[(a, pl, "GET")]["rps"], rb[(b, pl, "GET")]["rps"])
            return rs, rg

        out = []
        for name, a, b, pl, want in (
                ("dbsyncd → 1 db vs twemproxy, -P 1", "dbsyncd1", "twemproxy", 1, 1.0),
                ("dbsyncd → 1 db vs twemproxy, -P 16", "dbsyncd1", "twemproxy", 16, 1.2),
                ("dbsyncd → 2 dbs vs → 1 db, -P 16", "dbsyncd2", "dbsyncd1", 16, 0.7),
                ("authenticated vs plain dbsyncd, -P 16", "dbsyncd_tls", "dbsyncd1", 16, 0.8)):
            rs, rg = pair(a, b, pl)
            ok = None if (rs is None or rg is None) else (rs >= want and rg >= want)
            out.append((name, "≥ %.1f×" % want, "%s / %s" % (fmt_ratio(rs), fmt_ratio(rg)), ok))
        for name, a, b, want in (("PHP dbsync_send loop vs phpredis direct", "dbsync", "phpredis", 0.7),
                                 ("PHP signed vs unsigned (keepalive)", "dbsync_signed", "dbsync", 0.9)):
            x = ratio(php[a]["ops"], php[b]["ops"])
            out.append((name, "≥ %.1f×" % want, fmt_ratio(x), None if x is None else x >= want))
        # No target: puts the hop's cost in context (twemproxy pays it too),
        # and shows what the opt-in --busy-poll changes.
        for name, a, b in (("PHP dbsync_send via dbsyncd vs phpredis via twemproxy (reference)", "dbsync",
                            "phpredis_twemproxy"),
                           ("PHP loop vs phpredis direct, dbsyncd --busy-poll %d (reference)" % BUSY_POLL_US,
                            "dbsync_bp", "phpredis"),
                           ("PHP signed vs unsigned, both --busy-poll %d (reference)" % BUSY_POLL_US,
                            "dbsync_signed_bp", "dbsync_bp")):
            out.append((name, "", fmt_ratio(ratio(php[a]["ops"], php[b]["ops"])), None))
        x = ratio(rb[("dbsyncd1_bp", 1, "SET")]["rps"], rb[("twemproxy", 1, "SET")]["rps"])
        y = ratio(rb[("dbsyncd1_bp", 1, "GET")]["rps"], rb[("twemproxy", 1, "GET")]["rps"])
        out.append(("dbsyncd --busy-poll %d vs twemproxy, -P 1 (reference)" % BUSY_POLL_US, "",
                    "%s / %s" % (fmt_ratio(x), fmt_ratio(y)), None))
        hwm = self.rss.get("idle_peak_hwm_kib")
        n = self.rss.get("idle_clients")
        ok = None if (hwm is None or n != self.a.idle_clients) else hwm <= 64 * 1024
        out.append(("peak RSS, %s idle clients" % fmt_int(self.a.idle_clients), "≤ 64 MiB",
                    fmt_mib(hwm) + ("" if n in (None, self.a.idle_clients) else " (%s clients)" % fmt_int(n)), ok))
        g = self.growth()
        out.append(("RSS growth from 100k to 1M commands", "≤ 1 MiB",
                    "n/a" if g is None else "%+d KiB" % g, None if g is None else g <= 1024))
        return out

    def chart(self):
        gp = shutil.which("gnuplot")
        if not gp:
            self.notes.append("No chart: gnuplot is not installed.")
            return
        rb = self.rb_summary()
        php = self.php_summary()
        if not any(v["rps"] for v in rb.values()):
            self.notes.append("No chart: no redis-benchmark figures in this run.")
            return
        dat = os.path.join(self.out, "chart.dat")
        with open(dat, "w") as f:
            for pl in (1, 16):
                f.write("# -P %d: label SET GET (kops/s)\n" % pl)
                for t, label in RB_TARGETS:
                    s, g = rb[(t, pl, "SET")]["rps"], rb[(t, pl, "GET")]["rps"]
                    f.write('"%s" %s %s\n' % (RB_SHORT[t], "%.3f" % (s / 1000) if s else "NaN",
                                              "%.3f" % (g / 1000) if g else "NaN"))
                f.write("\n\n")
            f.write("# PHP: label ops/s (k)\n")
            for k, label, _, _ in PHP_MODES:
                o = php[k]["ops"]
                short = {"phpredis": "phpredis\\ndirect", "phpredis_twemproxy": "phpredis\\nvia twemproxy",
                         "dbsync_direct": "dbsync_send\\ndirect",
                         "dbsync": "dbsync_send\\nvia dbsyncd", "dbsync_signed": "dbsync_send\\nsigned",
                         "dbsync_bp": "dbsync_send\\nbusy-poll", "dbsync_signed_bp": "signed\\nbusy-poll"}[k]
                f.write('"%s" %s\n' % (short, "%.3f" % (o / 1000) if o else "NaN"))
        png = os.path.join(self.out, "bench.png")
        term = "pngcairo size 1500,600 font 'sans,10'"
        script = """
set terminal %s
set output '%s'
set termoption noenhanced
set datafile missing 'NaN'
set multiplot layout 1,3 title 'dbsync benchmarks: ops/s, medians of %d rounds (no bar: not measured)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set bmargin 4
set grid ytics
set yrange [0:*]
set xtics font ',9'
set key top center horizontal
set offsets 0, 0, graph 0.12, 0
set ylabel 'k ops/s'
set title 'redis-benchmark -c 50 -d 100, -P 1'
plot '%s' index 0 using 2:xtic(1) title 'SET' lc rgb '#4e79a7', '' index 0 using 3 title 'GET' lc rgb '#f28e2b'
set title 'redis-benchmark -c 50 -d 100, -P 16'
plot '%s' index 1 using 2:xtic(1) title 'SET' lc rgb '#4e79a7', '' index 1 using 3 title 'GET' lc rgb '#f28e2b'
set title 'PHP: %d SETs in a loop, one at a time'
unset key
plot '%s' index 2 using 2:xtic(1) title 'SET' lc rgb '#59a14f'
unset multiplot
""" % (term, png, self.a.rounds, dat, dat, self.a.php_n, dat)
        gpf = os.path.join(self.out, "chart.gp")
        with open(gpf, "w") as f:
            f.write(script)
        rc, _, err = run_bounded([gp, gpf], 30)
        if rc != 0:
            # libgd fallback
            with open(gpf, "w") as f:
                f.write(script.replace(term, "png size 1500,600"))
            rc, _, err = run_bounded([gp, gpf], 30)
        if rc != 0:
            self.notes.append("No chart: gnuplot failed: %s" % err.strip()[-200:])

    def write(self):
        self.vers = self.versions()
        self.chart()
        md = self.report()
        with open(os.path.join(self.out, "results.md"), "w") as f:
            f.write(md)
        with open(os.path.join(self.out, "raw.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["kind", "round", "target", "pipeline", "test", "n", "ops_per_sec", "p50_ms", "p99_ms",
                        "avg_ms", "error"])
            for r in self.rb_raw:
                w.writerow(["redis-benchmark", r["round"], r["target"], r["pipeline"], r["test"], r["n"],
                            r["rps"], r["p50"], r["p99"], r["avg"], r["error"] or ""])
            for r in self.php_raw:
                w.writerow(["php", r["round"], r["mode"], "", "SET", r["n"], r["ops"], "", "", "", r["error"] or ""])
        rb = self.rb_summary()
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump(dict(
                args=vars(self.a), versions=self.vers, not_measured=self.na, notes=self.notes,
                redis_benchmark={"%s -P%d %s" % k: v for k, v in rb.items()},
                php=self.php_summary(), rss_kib=self.rss,
                targets=[dict(name=n, ok=ok) for n, ok in self.verdicts],
                raw=dict(redis_benchmark=self.rb_raw, php=self.php_raw)), f, indent=1)
        print(md)
        log("wrote %s/{results.md,results.json,raw.csv,bench.png} and logs/" % os.path.relpath(self.out, os.getcwd()))

    def cleanup(self):
        if self.procs:
            self.procs.stop_all()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


def parse_php_loop(text, stderr=""):
    """php_loop.php's "name: N ops/s ..." and "name: skipped: why" lines, as
    {lowercased name: ops/s float or the reason string}."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"\s*(.+?):\s+([0-9][0-9,_]*(?:\.[0-9]+)?)\s*ops/s", line)
        if m:
            out[m.group(1).strip().lower()] = float(m.group(2).replace(",", "").replace("_", ""))
            continue
        m = re.match(r"\s*(.+?):\s+skipped:\s*(.*)", line)
        if m:
            out[m.group(1).strip().lower()] = "skipped: " + m.group(2).strip()
    # A failed dbsync_send says why in a PHP warning; keep the first one.
    warn = re.search(r"Warning:\s+(.*?)(?: in \S+ on line \d+)?$", text + "\n" + stderr, re.M)
    if warn:
        for k, v in out.items():
            if isinstance(v, str):
                out[k] = (v + " (" + warn.group(1).strip() + ")")[:220]
    return out


def open_idle_clients(port, n, timeout):
    """n connections that each send one PING, read +PONG, then stay idle."""
    sel = selectors.DefaultSelector()
    socks, pending, errors = [], {}, 0

    def give_up(s):
        nonlocal errors
        sel.unregister(s)
        s.close()
        del pending[s]
        errors += 1

    deadline = time.monotonic() + timeout
    batch = 500
    i = 0
    while (i < n or pending) and time.monotonic() < deadline:
        while i < n and len(pending) < batch:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            rc = s.connect_ex((HOST, port))
            if rc not in (0, 115):  # EINPROGRESS
                s.close()
                errors += 1
                i += 1
                continue
            pending[s] = b""
            sel.register(s, selectors.EVENT_WRITE, "connect")
            i += 1
        for key, ev in sel.select(timeout=0.5):
            s = key.fileobj
            if key.data == "connect":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    give_up(s)
                    continue
                try:
                    s.send(b"*1\r\n$4\r\nPING\r\n")
                except OSError:
                    give_up(s)
                    continue
                sel.modify(s, selectors.EVENT_READ, "reply")
            else:
                try:
                    data = s.recv(64)
                except OSError:
                    data = b""
                if not data:
                    give_up(s)
                    continue
                pending[s] += data
                if pending[s].endswith(b"\r\n"):
                    sel.unregister(s)
                    del pending[s]
                    socks.append(s)
    for s in list(pending):
        give_up(s)
    sel.close()
    return socks, errors


def main():
    global _libc
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="rounds of every measurement (default 5)")
    ap.add_argument("--n1", type=int, default=200000, help="redis-benchmark -n with -P 1 (default 200000)")
    ap.add_argument("--n16", type=int, default=1000000, help="redis-benchmark -n with -P 16 (default 1000000)")
    ap.add_argument("--php-n", type=int, default=20000, help="SETs per PHP loop (default 20000)")
    ap.add_argument("--php-loop", default=os.path.join(ROOT, "bench", "php_loop.php"),
                    help="the PHP loop script (default bench/php_loop.php)")
    ap.add_argument("--idle-clients", type=int, default=10000, help="idle clients for the RSS test (default 10000)")
    ap.add_argument("--budget", type=int, default=420, help="seconds the measurements may take, build not included (default 420)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "out"), help="output directory (default bench/out)")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: rb, php, rss")
    ap.add_argument("--quick", action="store_true", help="1 round, small -n: a smoke test of the script")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    a = ap.parse_args()
    if a.quick:
        a.rounds, a.n1, a.n16, a.php_n, a.idle_clients = 1, 5000, 20000, 2000, 1000
    skip = set(x for x in a.skip.split(",") if x)

    try:
        _libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        _libc = None
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _on_signal)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(a.budget + 40)  # hard stop; the soft budget skips work before this

    b = Bench(a)
    status = 0
    # Parts left out on purpose say so in the report, not "failed".
    if "rb" in skip:
        for t, _ in RB_TARGETS:
            b.na[t] = "skipped (--skip rb)"
    if "php" in skip:
        for k, _, _, _ in PHP_MODES:
            b.na["php:" + k] = "skipped (--skip php)"
    try:
        b.setup()
        if "rb" not in skip:
            b.run_rb()
        if "php" not in skip:
            b.run_php()
        if "rss" not in skip:
            b.run_rss()
        signal.alarm(60)
        b.write()
        if a.strict and any(ok is False for _, ok in b.verdicts):
            status = 1
    except (Interrupted, BudgetExceeded, KeyboardInterrupt) as e:
        log("stopped: %s; cleaning up" % (e or "interrupted"))
        status = 130 if isinstance(e, (Interrupted, KeyboardInterrupt)) else 124
    finally:
        signal.alarm(0)
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        b.cleanup()
    return status


if __name__ == "__main__":
    sys.exit(main())
