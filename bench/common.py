"""What every part of make bench shares: loopback ports, the processes it
starts (stopped on exit, dying with the script), signal handling and the
time budget, bounded commands, DBSYNC INFO, medians and number formatting,
and Servers, the redis-servers, twemproxy and dbsyncd instances that the
measurements (redis_benchmark.py, php_loop.py, rss.py, journal.py) run
against."""

import ctypes
import os
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

BUSY_POLL_US = 50  # the --busy-poll of the extra dbsyncd rows


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


class BudgetExceeded(Exception):
    pass


class Interrupted(Exception):
    pass


def on_signal(signum, _frame):
    raise Interrupted("signal %d" % signum)


def on_alarm(_signum, _frame):
    raise BudgetExceeded("the run went past its time budget")


_libc = None


def load_libc():
    """libc for prctl() in the children, if it loads (else they just do not die with us)."""
    global _libc
    try:
        _libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
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


def dbsync_info(port, timeout=2.0):
    """DBSYNC INFO of a dbsyncd: (fields, databases), fields a dict of every
    "name:value" line, databases a list (db0, db1, ...) of dicts of the
    "k=v" pairs on each database's line. last_error comes last on that line
    and may hold commas: it takes the rest of the line."""
    raw = resp_command(port, "DBSYNC", "INFO", timeout=timeout).decode(errors="replace")
    if not raw.startswith("$"):
        raise OSError("DBSYNC INFO answered %r" % raw[:80])
    fields, dbs = {}, []
    for line in raw.split("\r\n")[1:]:
        k, sep, v = line.partition(":")
        if not sep or line.startswith("#"):
            continue
        if k.startswith("db") and k[2:].isdigit():
            head, _, err = v.partition(",last_error=")
            db = dict(kv.split("=", 1) for kv in head.split(",") if "=" in kv)
            db["last_error"] = err
            dbs.append(db)
        else:
            fields[k] = v
    return fields, dbs


def install_signal_handlers(budget):
    """Ctrl-C, SIGTERM and SIGHUP raise Interrupted; budget + 40 s after now,
    SIGALRM raises BudgetExceeded (the soft budget skips work before that)."""
    load_libc()
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, on_signal)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(budget + 40)


def ignore_signals():
    """For the cleanup: no second signal may cut it short."""
    signal.alarm(0)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)


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


class Servers:
    """The run's state, and the servers every measurement runs against:
    started by setup(), stopped by cleanup()."""

    def __init__(self, args):
        self.a = args
        self.out = os.path.abspath(args.out)
        self.logdir = None   # set by prepare()
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
        self.reserved = 0    # seconds of the budget kept for a later part
        self.dbsyncd = os.path.join(ROOT, "daemon", "dbsyncd")
        self.tls = None      # dict(cert=, key=, pub=) once keys exist

    # -- setup

    def prepare(self, logs="logs", tmp="tmp"):
        """The output, log and temporary directories, and the process table:
        what every script needs before it starts a server. A script of its
        own (bench/journal.py) passes other names, so that it leaves the logs
        of the last make bench alone."""
        os.makedirs(self.out, exist_ok=True)
        self.logdir = os.path.join(self.out, logs)
        if os.path.isdir(self.logdir):
            shutil.rmtree(self.logdir)
        os.makedirs(self.logdir)
        # Keys, configs, redis --dir: under out/ (git-ignored), so that even a
        # kill -9 of this script leaves nothing behind that the next run keeps.
        self.tmp = os.path.join(self.out, tmp)
        shutil.rmtree(self.tmp, ignore_errors=True)
        os.makedirs(self.tmp)
        self.procs = Processes(self.logdir)
        for tool in ("redis-server", "redis-benchmark"):
            if not shutil.which(tool):
                raise SystemExit("bench: %s not found (make deps installs redis-server, redis-tools)" % tool)
        if not os.access(self.dbsyncd, os.X_OK):
            raise SystemExit("bench: %s not built (run make)" % self.dbsyncd)
        self.load_before = open("/proc/loadavg").read().split()[:3]

    def setup(self):
        self.prepare()
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

    def start_redis(self, name, port=None, data_dir=None, extra=(), log_name=None, timeout=10.0):
        """A redis-server without persistence unless extra says otherwise
        (later flags win); port and data_dir let a restart find its data."""
        port = port or free_port()
        argv = ["redis-server", "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
                "--dir", data_dir or self.tmp, "--protected-mode", "yes", "--daemonize", "no",
                "--maxclients", "20000", "--logfile", ""] + list(extra)
        p = self.procs.start(log_name or ("redis-" + name), argv)
        if not wait_ready(p, port, timeout=timeout):
            raise SystemExit("bench: redis-server %s did not start: %s" % (name, self.procs.log_tail(p)))
        self.ports[name] = port
        self.pids[name] = p.pid
        if name == "r1":
            self.ports["redis"] = port
        return p

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
        """Seconds left for the part running now: the budget, less what is
        set aside (self.reserved) for the parts still to come."""
        return self.a.budget - self.reserved - (time.monotonic() - self.t0)

    def cleanup(self):
        if self.procs:
            self.procs.stop_all()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
