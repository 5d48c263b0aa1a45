#!/usr/bin/python3
"""make bench-fpm: a PHP page under a real php-fpm, dbsync against phpredis.

The script starts, on 127.0.0.1 and free ports, a redis-server, four dbsyncd
in front of it (plain and --pubkey TLS, each once for persistent and once for
non-persistent connections, so that each one's connection count can be
checked on its own) and two php-fpm masters (php8.2-fpm, pm = static), one
unsigned and one with dbsync.signkey / dbsync.server_pubkey pinned to the TLS
daemons' keys. Each loads igbinary, phpredis, opcache and
php-ext/modules/dbsync.so, from its own php-fpm config under --out (never
/etc/php), and pm.max_requests recycles its workers during the run.

A FastCGI client (bench/fastcgi_client.py), C keep-alive connections at once,
asks for bench/fpm_page.php: 10 SETs then 10 GETs of keys unique to the
request, by dbsync_send one by one, dbsync_send_many, phpredis or phpredis
pipeline() (these two straight to redis), with and without persistent
connections, unsigned and signed; and a PHP session of the request's own
(start, write the 10 values, close; start, read them back, close) through
the dbsync session handler and through phpredis's, straight to redis. Scenarios are interleaved over rounds
(order reversed every other round); requests/s and p50/p99 latency are the
medians of the rounds. Then it checks:

  - every response: the page returns the md5 of what it read back, and the
    client knows what that request wrote, so a reply that went to another
    request is caught;
  - connections: once idle, the non-persistent daemons have 0 clients, the
    persistent ones at most one per worker, and fewer connections were made
    to them than requests;
  - recycling: more worker processes answered than pm.max_children.

It prints a Markdown report and writes it to OUT/fpm.md (logs in
OUT/fpm-logs/). Exit status 0 when every check passed, 1 otherwise. Every
process it starts is stopped at the end, also on Ctrl-C or SIGTERM, and dies
with the script (PR_SET_PDEATHSIG); the whole run has a time budget.

  /usr/bin/python3 bench/php_fpm.py [--quick] [--rounds 3] [-n 2000] ...
"""

import argparse
import ctypes
import hashlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fastcgi_client  # noqa: E402
from common import fmt_int, fmt_ratio, free_port, median, ratio, spread  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"  # loopback only
PAGE = os.path.join(ROOT, "bench", "fpm_page.php")
EXTENSION = os.path.join(ROOT, "php-ext", "modules", "dbsync.so")
PHP_FPM = "/usr/sbin/php-fpm8.2"

# key, label, php-fpm master, page mode, persistent, where the page goes
SCENARIOS = [
    ("one", "dbsync_send one by one", "plain", "one", False, "d_plain"),
    ("one_p", "dbsync_send one by one, persistent", "plain", "one", True, "d_persist"),
    ("many", "dbsync_send_many", "plain", "many", False, "d_plain"),
    ("many_p", "dbsync_send_many, persistent", "plain", "many", True, "d_persist"),
    ("phpredis", "phpredis direct, one by one", "plain", "phpredis", False, "redis"),
    ("phpredis_p", "phpredis direct, one by one, pconnect", "plain", "phpredis", True, "redis"),
    ("pipeline", "phpredis direct, pipeline()", "plain", "pipeline", False, "redis"),
    ("pipeline_p", "phpredis direct, pipeline(), pconnect", "plain", "pipeline", True, "redis"),
    ("signed_one", "signed: dbsync_send one by one", "signed", "one", False, "d_tls"),
    ("signed_one_p", "signed: dbsync_send one by one, persistent", "signed", "one", True, "d_tls_persist"),
    ("signed_many", "signed: dbsync_send_many", "signed", "many", False, "d_tls"),
    ("signed_many_p", "signed: dbsync_send_many, persistent", "signed", "many", True, "d_tls_persist"),
    ("session", "session: dbsync handler", "plain", "session", False, "d_plain"),
    ("session_p", "session: dbsync handler, persistent", "plain", "session", True, "d_persist"),
    ("session_phpredis", "session: phpredis handler direct", "plain", "session_phpredis", False, "redis"),
    ("session_phpredis_p", "session: phpredis handler direct, persistent", "plain", "session_phpredis", True,
     "redis"),
]
LABEL = {s[0]: s[1] for s in SCENARIOS}
DAEMONS = [  # name, TLS, persistent clients
    ("d_plain", False, False), ("d_persist", False, True),
    ("d_tls", True, False), ("d_tls_persist", True, True),
]
# Ratios reported: numerator, denominator, target (or None), for both persistence settings.
RATIOS = [
    ("dbsync_send_many / dbsync_send one by one", "many", "one", 5.0),
    ("dbsync_send_many / phpredis pipeline() direct", "many", "pipeline", 0.9),
    ("dbsync_send one by one / phpredis one by one direct", "one", "phpredis", None),
    ("signed / unsigned, dbsync_send one by one", "signed_one", "one", None),
    ("signed / unsigned, dbsync_send_many", "signed_many", "many", None),
    ("session: dbsync handler / phpredis handler direct", "session", "session_phpredis", None),
]


def log(msg):
    sys.stderr.write("bench-fpm: %s\n" % msg)
    sys.stderr.flush()


class Interrupted(Exception):
    pass


def _on_signal(signum, _frame):
    raise Interrupted("signal %d" % signum)


try:
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:
    _libc = None


def _child_setup():
    """In the child before exec: die with this script (PR_SET_PDEATHSIG)."""
    if _libc is not None:
        _libc.prctl(1, signal.SIGKILL, 0, 0, 0)


def percentile(sorted_xs, p):
    if not sorted_xs:
        return None
    i = min(len(sorted_xs) - 1, max(0, int(round(p / 100.0 * len(sorted_xs) + 0.5)) - 1))
    return sorted_xs[i]


def fmt_ms(x):
    return "n/a" if x is None else "%.2f" % x


def wait_until(pred, timeout, interval=0.05):
    """Polls pred() until it is true or timeout seconds passed; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            v = pred()
        except OSError:
            v = None
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


# --- a RESP2 command, plain or over TLS ------------------------------------------

def resp_command(port, args, tls=None, timeout=3.0):
    """One command; returns the reply's payload (bulk/status) as bytes."""
    req = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        req += b"$%d\r\n%s\r\n" % (len(a), a)
    raw = socket.create_connection((HOST, port), timeout=timeout)
    s = raw
    try:
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE  # loopback; the daemon checks our key
            ctx.load_cert_chain(tls["cert"], tls["key"])
            s = ctx.wrap_socket(raw)
        s.sendall(req)
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n" in data:
                head, _, rest = data.partition(b"\r\n")
                if head[:1] in (b"+", b"-", b":"):
                    return head
                if head[:1] == b"$":
                    n = int(head[1:])
                    if n < 0:
                        return b""
                    if len(rest) >= n + 2:
                        return rest[:n]
        raise OSError("no complete reply from port %d" % port)
    finally:
        s.close()


def info_fields(port, tls=None):
    text = resp_command(port, ["DBSYNC", "INFO"], tls=tls).decode(errors="replace")
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition(":")
        if sep:
            out[k.strip()] = v.strip()
    return out


# --- processes --------------------------------------------------------------------

class Processes:
    """Background servers, each with a log; stopped (TERM, then KILL) at the end."""

    def __init__(self, logdir):
        self.logdir = logdir
        self.procs = []

    def start(self, name, argv):
        f = open(os.path.join(self.logdir, name + ".log"), "wb")
        f.write(("$ " + " ".join(argv) + "\n").encode())
        f.flush()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                             start_new_session=True, preexec_fn=_child_setup)
        self.procs.append((name, p, f))
        return p

    def tail(self, p, lines=3):
        for name, q, f in self.procs:
            if q is p:
                f.flush()
                with open(os.path.join(self.logdir, name + ".log"), "rb") as r:
                    return b" | ".join(r.read().splitlines()[-lines:]).decode(errors="replace")
        return ""

    def stop_all(self):
        # php-fpm first (its workers hold connections to the daemons), then the rest.
        order = sorted(self.procs, key=lambda t: not t[0].startswith("php-fpm"))
        for _, p, _ in order:
            if p.poll() is None:
                try:
                    p.terminate()
                except OSError:
                    pass
        deadline = time.monotonic() + 5.0
        for _, p, f in order:
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


def run_bounded(argv, timeout):
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        return r.returncode, r.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return None, "timed out after %ss" % timeout


# --- the load ---------------------------------------------------------------------

class Results:
    """Every response of a run, checked as it arrives (shared by the client threads)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.verified = 0
        self.wrong = []       # (rid, what came back): a reply for another request
        self.errors = []      # (rid, reason): no usable reply at all
        self.pids = set()
        self.reconnects = 0


def expected_checksum(rid):
    values = [("%s:%d:" % (rid, i)).ljust(64, "v") for i in range(10)]
    return hashlib.md5("\n".join(values).encode()).hexdigest()


class Load:
    def __init__(self, bench, results):
        self.b = bench
        self.results = results

    def params(self, scenario, rid):
        key, _, pool, mode, persistent, target = scenario
        q = "mode=%s&persistent=%d&rid=%s" % (mode, 1 if persistent else 0, rid)
        if target == "redis":
            q += "&redis=%s:%d" % (HOST, self.b.ports["redis"])
        else:
            q += "&servers=%s:%d" % (HOST, self.b.ports[target])
        return {
            "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_METHOD": "GET",
            "SCRIPT_FILENAME": PAGE, "SCRIPT_NAME": "/fpm_page.php", "DOCUMENT_ROOT": os.path.dirname(PAGE),
            "REQUEST_URI": "/fpm_page.php?" + q, "QUERY_STRING": q, "SERVER_NAME": "localhost",
            "SERVER_ADDR": HOST, "SERVER_PORT": "80", "REMOTE_ADDR": HOST, "REMOTE_PORT": "1",
            "CONTENT_LENGTH": "0",
        }

    def one(self, conn, scenario, rid):
        """One request, checked; returns its latency in ms, or None when it failed."""
        params = self.params(scenario, rid)
        t0 = time.perf_counter()
        try:
            for attempt in range(2):
                try:
                    out, _err = conn.request(params)
                    break
                except fastcgi_client.ClosedBeforeReply:
                    # The worker behind this kept connection reached
                    # pm.max_requests and exited without reading the request.
                    conn.close()
                    with self.results.lock:
                        self.results.reconnects += 1
                    if attempt:
                        raise fastcgi_client.FcgiError("closed before replying, twice")
            status, body = fastcgi_client.split_response(out)
        except (OSError, fastcgi_client.FcgiError) as e:
            conn.close()
            with self.results.lock:
                self.results.errors.append((rid, "%s: %s" % (type(e).__name__, e)))
            return None
        ms = (time.perf_counter() - t0) * 1000.0
        words = body.decode(errors="replace").split()
        with self.results.lock:
            if status != 200 or len(words) < 3 or words[0] != "OK":
                self.results.errors.append((rid, "status %d: %s" % (status, body[:300].decode(errors="replace"))))
                return None
            if words[1] != rid or words[2] != expected_checksum(rid):
                self.results.wrong.append((rid, body[:200].decode(errors="replace")))
                return None
            self.results.verified += 1
            if len(words) > 3:
                self.results.pids.add(words[3])
        return ms

    def run(self, scenario, count, tag):
        """count requests of one scenario over C connections: (requests/s, [latency ms])."""
        pool_port = self.b.ports["php-fpm-" + scenario[2]]
        next_i = [0]
        lock = threading.Lock()
        lat = []
        deadline = self.b.deadline

        def client():
            conn = fastcgi_client.FcgiConnection(HOST, pool_port, self.b.a.request_timeout)
            mine = []
            try:
                while time.monotonic() < deadline:
                    with lock:
                        i = next_i[0]
                        if i >= count:
                            break
                        next_i[0] += 1
                    ms = self.one(conn, scenario, "%s-%s-%d" % (self.b.token, tag, i))
                    if ms is not None:
                        mine.append(ms)
            finally:
                conn.close()
                with lock:
                    lat.extend(mine)

        threads = [threading.Thread(target=client, daemon=True) for _ in range(self.b.a.concurrency)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(1.0, deadline - time.monotonic() + self.b.a.request_timeout + 1))
        wall = time.perf_counter() - t0
        if any(t.is_alive() for t in threads):
            raise Interrupted("a client thread did not finish within the time budget")
        if next_i[0] < count:
            raise Interrupted("the run went past its time budget (--budget)")
        return (len(lat) / wall if wall > 0 and len(lat) == count else None), sorted(lat)


# --- the benchmark ----------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.a = args
        self.out = os.path.abspath(args.out)
        self.logdir = os.path.join(self.out, "fpm-logs")
        self.tmp = os.path.join(self.out, "fpm-tmp")
        self.ports = {}
        self.pids = {}
        self.procs = None
        self.tls = None
        self.token = "%x%x" % (int(time.time()), os.getpid())
        self.deadline = time.monotonic() + args.budget
        self.rows = {}       # scenario -> list of (rps, p50, p99) per round
        self.requests_to = {}  # daemon -> requests sent through it
        self.checks = []     # (passed, text)
        self.results = Results()
        self.fpm_version = ""
        self.connections_before = {}

    def setup(self):
        for d in (self.logdir, self.tmp):
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
        self.procs = Processes(self.logdir)
        for path, what in ((PHP_FPM, "php8.2-fpm (make deps)"), (self.a.dbsyncd, "dbsyncd (make)"),
                           (EXTENSION, "the extension (make)")):
            if not os.path.exists(path):
                raise SystemExit("bench-fpm: %s not found: %s" % (path, what))
        for tool in ("redis-server", "openssl"):
            if not shutil.which(tool):
                raise SystemExit("bench-fpm: %s not found (make deps)" % tool)
        self.make_keys()
        self.start_redis()
        for name, tls, _ in DAEMONS:
            self.start_dbsyncd(name, tls)
        # Both TLS daemons' server keys in one file: dbsync.server_pubkey takes a PEM with several.
        self.server_pubkeys = os.path.join(self.tmp, "servers-pubkey.pem")
        with open(self.server_pubkeys, "w") as f:
            for name, tls, _ in DAEMONS:
                if tls:
                    with open(os.path.join(self.state_dir(name), "tls-server-pubkey.pem")) as k:
                        f.write(k.read())
        self.start_fpm("plain", [])
        self.start_fpm("signed", ["-d", "dbsync.signkey=" + self.tls["key"],
                                  "-d", "dbsync.server_pubkey=" + self.server_pubkeys])
        try:
            self.fpm_version = subprocess.run([PHP_FPM, "-v"], capture_output=True, text=True,
                                              timeout=10).stdout.splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            pass

    def state_dir(self, name):
        return os.path.join(self.tmp, name + ".state")

    def make_keys(self):
        key, crt, pub = (os.path.join(self.tmp, n) for n in ("client.key.pem", "client.crt", "client.pub.pem"))
        for argv in (["openssl", "genpkey", "-algorithm", "ed25519", "-out", key],
                     ["openssl", "pkey", "-in", key, "-pubout", "-out", pub],
                     ["openssl", "req", "-new", "-x509", "-key", key, "-out", crt, "-days", "2",
                      "-subj", "/CN=dbsync-bench-fpm"]):
            rc, err = run_bounded(argv, 20)
            if rc != 0:
                raise SystemExit("bench-fpm: %s failed: %s" % (" ".join(argv[:2]), err.strip()[-200:]))
        self.tls = dict(key=key, cert=crt, pub=pub)

    def start_redis(self):
        port = free_port()
        p = self.procs.start("redis", ["redis-server", "--port", str(port), "--bind", HOST, "--save", "",
                                       "--appendonly", "no", "--dir", self.tmp, "--daemonize", "no",
                                       "--logfile", ""])
        if not wait_until(lambda: p.poll() is None and resp_command(port, ["PING"], timeout=0.5) == b"+PONG", 15):
            raise SystemExit("bench-fpm: redis-server did not start: " + self.procs.tail(p))
        self.ports["redis"] = port

    def start_dbsyncd(self, name, tls):
        port = free_port()
        argv = [self.a.dbsyncd, "-b", HOST, "-p", str(port), "-d", "redis:%s:%d" % (HOST, self.ports["redis"]),
                "--shutdown-timeout", "1000", "--log-level", "warning", "--state-dir", self.state_dir(name)]
        if tls:
            argv += ["-s", self.tls["pub"]]
        argv += self.a.dbsyncd_arg
        p = self.procs.start(name, argv)
        t = self.tls if tls else None
        if not wait_until(lambda: p.poll() is None and "connected_clients" in info_fields(port, t), 15):
            raise SystemExit("bench-fpm: %s did not start: %s" % (name, self.procs.tail(p)))
        self.ports[name] = port
        self.pids[name] = p.pid

    def start_fpm(self, name, extra):
        port = free_port()
        conf = os.path.join(self.tmp, "php-fpm-%s.conf" % name)
        with open(conf, "w") as f:
            f.write("\n".join([
                "[global]",
                "error_log = %s" % os.path.join(self.logdir, "php-fpm-%s.error.log" % name),
                "pid = %s" % os.path.join(self.tmp, "php-fpm-%s.pid" % name),
                "daemonize = no",
                "[bench]",
                "listen = %s:%d" % (HOST, port),
                "listen.backlog = 64",
                "pm = static",
                "pm.max_children = %d" % self.a.workers,
                # Small enough that workers are replaced during the run.
                "pm.max_requests = %d" % self.a.max_requests,
                "request_terminate_timeout = %ds" % max(5, int(self.a.request_timeout)),
                "catch_workers_output = yes",
                "php_admin_flag[log_errors] = on",
                "php_admin_value[error_log] = %s" % os.path.join(self.logdir, "php-fpm-%s.php.log" % name),
                "",
            ]))
        # -n: no /etc/php ini at all; the modules this page needs, named here.
        argv = [PHP_FPM, "-n", "-F", "-O", "-y", conf,
                "-d", "extension=igbinary", "-d", "extension=redis", "-d", "extension=" + EXTENSION,
                "-d", "zend_extension=opcache", "-d", "opcache.enable=1",
                "-d", "dbsync.timeout=%d" % int(self.a.request_timeout * 1000 / 2)] + extra
        if os.geteuid() == 0:
            argv.append("-R")  # the pool runs as this user: root in CI
        p = self.procs.start("php-fpm-" + name, argv)

        def up():
            if p.poll() is not None:
                return False
            socket.create_connection((HOST, port), timeout=0.5).close()
            return True
        if not wait_until(up, 15):
            raise SystemExit("bench-fpm: php-fpm %s did not start: %s" % (name, self.procs.tail(p)))
        self.ports["php-fpm-" + name] = port
        self.pids["php-fpm-" + name] = p.pid

    # -- measuring

    def measure(self):
        # The connections made before the load (start-up probes) are not counted.
        self.connections_before = {name: int(info_fields(self.ports[name], self.tls if tls else None)
                                             ["total_connections"]) for name, tls, _ in DAEMONS}
        load = Load(self, self.results)
        order = list(SCENARIOS)
        log("warm-up: %d requests per scenario" % self.a.warmup)
        for s in order:
            load.run(s, self.a.warmup, "w-" + s[0])
            self.requests_to[s[5]] = self.requests_to.get(s[5], 0) + self.a.warmup
        for rnd in range(self.a.rounds):
            for s in (order if rnd % 2 == 0 else list(reversed(order))):
                rps, lat = load.run(s, self.a.n, "r%d-%s" % (rnd, s[0]))
                self.requests_to[s[5]] = self.requests_to.get(s[5], 0) + self.a.n
                p50, p99 = percentile(lat, 50), percentile(lat, 99)
                self.rows.setdefault(s[0], []).append((rps, p50, p99))
                log("round %d  %-44s %9s req/s  p50 %s ms  p99 %s ms" % (
                    rnd + 1, s[1], fmt_int(rps), fmt_ms(p50), fmt_ms(p99)))

    def check(self):
        r = self.results
        total = self.a.warmup * len(SCENARIOS) + self.a.n * self.a.rounds * len(SCENARIOS)
        self.checks.append((not r.wrong and not r.errors and r.verified == total,
                            "responses verified: %d of %d; wrong replies (another request's data): %d; "
                            "failed requests: %d" % (r.verified, total, len(r.wrong), len(r.errors))))
        for rid, what in (r.wrong + r.errors)[:5]:
            self.checks.append((False, "  %s: %s" % (rid, what.strip())))
        self.checks.append((len(r.pids) > self.a.workers,
                            "worker processes that answered: %d (pm.max_children %d, pm.max_requests %d: "
                            "more than %d means workers were recycled); reconnects after a recycle: %d" % (
                                len(r.pids), self.a.workers, self.a.max_requests, self.a.workers,
                                r.reconnects)))
        for name, tls, persistent in DAEMONS:
            t = self.tls if tls else None
            port = self.ports[name]
            bound = self.a.workers if persistent else 0  # one server in each dbsync.servers
            fields = wait_until(lambda: (lambda f: f if int(f["connected_clients"]) <= bound + 1 else None)(
                info_fields(port, t)), 10) or info_fields(port, t)
            # The INFO connection itself is one of the connected clients.
            connected = int(fields["connected_clients"]) - 1
            made = int(fields["total_connections"]) - self.connections_before[name] - 1
            reqs = self.requests_to.get(name, 0)
            ok = connected <= bound
            text = "%s: %d clients connected once idle (bound %d: %s), %d connections made for %d requests" % (
                name, connected, bound, "workers × 1 server" if persistent else "non-persistent", made, reqs)
            if persistent:
                ok = ok and made < reqs
                text += " (persistent: fewer connections than requests)"
            self.checks.append((ok, text))

    # -- report

    def summary(self):
        s = {}
        for key in LABEL:
            rows = self.rows.get(key, [])
            s[key] = dict(rps=median([r[0] for r in rows]), p50=median([r[1] for r in rows]),
                          p99=median([r[2] for r in rows]), spread=spread([r[0] for r in rows]))
        return s

    def report(self):
        s = self.summary()
        a = self.a
        lines = ["# php-fpm: a page of 10 writes + 10 reads", "",
                 "%s, pm = static, %d workers, pm.max_requests %d, %d keep-alive FastCGI connections; "
                 "%d requests per scenario × %d rounds (interleaved, medians), after %d warm-up requests each. "
                 "dbsyncd → 1 redis-server; phpredis straight to the same redis-server. Loopback, this machine "
                 "(%d cores, load before: %s)." % (
                     self.fpm_version or "php-fpm", a.workers, a.max_requests, a.concurrency, a.n, a.rounds,
                     a.warmup, os.cpu_count() or 0, " ".join(self.load_before)), "",
                 "| scenario | requests/s | p50 ms | p99 ms | spread |", "|---|---:|---:|---:|---:|"]
        for key, label, *_ in SCENARIOS:
            sp = s[key]["spread"]
            lines.append("| %s | %s | %s | %s | %s |" % (label, fmt_int(s[key]["rps"]), fmt_ms(s[key]["p50"]),
                                                          fmt_ms(s[key]["p99"]), "n/a" if sp is None else "%.0f%%" % sp))
        lines += ["", "| ratio of requests/s | non-persistent | persistent | target |", "|---|---:|---:|---:|"]
        for label, num, den, target in RATIOS:
            r0 = ratio(s[num]["rps"], s[den]["rps"])
            r1 = ratio(s[num + "_p"]["rps"], s[den + "_p"]["rps"])
            lines.append("| %s | %s | %s | %s |" % (label, fmt_ratio(r0), fmt_ratio(r1),
                                                     "≥ %.1f×" % target if target else ""))
        lines += ["", "| persistent / non-persistent | ratio |", "|---|---:|"]
        for key in ("one", "many", "phpredis", "pipeline", "signed_one", "signed_many", "session", "session_phpredis"):
            lines.append("| %s | %s |" % (LABEL[key], fmt_ratio(ratio(s[key + "_p"]["rps"], s[key]["rps"]))))
        lines += ["", "spread: (max − min) / median of requests/s over the rounds; at 30% or more the machine "
                  "was busy: trust only ratios far from their target, or run again with more --rounds.",
                  "", "Checks:", ""]
        for ok, text in self.checks:
            lines.append(("- %s %s" % ("PASS" if ok else "FAIL", text)) if not text.startswith("  ")
                         else "  - %s" % text.strip())
        return "\n".join(lines) + "\n"

    def passed(self):
        return all(ok for ok, _ in self.checks)


def parse_args(argv):
    p = argparse.ArgumentParser(description="php-fpm benchmark of bench/fpm_page.php (see the module doc)")
    p.add_argument("--quick", action="store_true", help="a few hundred requests: checks the script and the checks")
    p.add_argument("--rounds", type=int, default=3, help="rounds, scenarios interleaved (default 3)")
    p.add_argument("-n", type=int, default=2000, help="requests per scenario per round (default 2000)")
    p.add_argument("--warmup", type=int, default=100, help="warm-up requests per scenario (default 100)")
    p.add_argument("--workers", type=int, default=4, help="pm.max_children of each pool (default 4)")
    p.add_argument("--max-requests", type=int, default=250, help="pm.max_requests (default 250)")
    p.add_argument("--concurrency", type=int, default=None,
                   help="concurrent keep-alive connections (default and at most: --workers)")
    p.add_argument("--request-timeout", type=float, default=10.0, help="seconds one request may take (default 10)")
    p.add_argument("--budget", type=float, default=600.0, help="seconds the whole run may take (default 600)")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "out"), help="report directory (default bench/out)")
    p.add_argument("--dbsyncd", default=os.path.join(ROOT, os.environ.get("DBSYNCD", "daemon/dbsyncd")),
                   help="the daemon binary (default $DBSYNCD or daemon/dbsyncd)")
    p.add_argument("--dbsyncd-arg", action="append", default=[], metavar="FLAG",
                   help="one more flag for every dbsyncd, e.g. --dbsyncd-arg=--busy-poll=50 (repeatable)")
    a = p.parse_args(argv)
    if a.quick:
        a.rounds, a.n, a.warmup, a.max_requests = 1, 24, 6, 15
    if a.concurrency is None:
        a.concurrency = a.workers
    for name in ("rounds", "n", "workers", "max_requests", "concurrency"):
        if getattr(a, name) < 1:
            p.error("--%s: must be at least 1" % name.replace("_", "-"))
    if a.concurrency > a.workers:
        # A kept connection holds its worker until it closes: more connections
        # than workers would leave some waiting in the backlog for good.
        p.error("--concurrency: must be at most --workers (%d)" % a.workers)
    a.dbsyncd = os.path.abspath(a.dbsyncd)
    return a


def main(argv):
    a = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    b = Bench(a)
    b.load_before = open("/proc/loadavg").read().split()[:3]
    try:
        b.setup()
        b.measure()
        b.check()
    except Interrupted as e:
        b.checks.append((False, "stopped: %s" % e))
    finally:
        if b.procs:
            b.procs.stop_all()
    text = b.report()
    os.makedirs(b.out, exist_ok=True)
    with open(os.path.join(b.out, "fpm.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    log("report written to %s; %s" % (os.path.join(b.out, "fpm.md"),
                                      "every check passed" if b.passed() else "A CHECK FAILED"))
    return 0 if b.passed() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
