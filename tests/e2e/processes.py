"""The processes of an end-to-end test: redis-server and dbsyncd on free
loopback ports, and the in-process fake databases, all stopped at teardown.

Everything is real: redis-server processes, the dbsyncd binary named by
$DBSYNCD (default daemon/dbsyncd), and plain sockets. Every wait has a
deadline; nothing measures speed.
"""

import glob
import os
import re
import signal
import socket
import subprocess
import time

from peers.servers import SilentServer, SlowServer
from resp_client import REPLY_TIMEOUT, Client, ProtocolFailure

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DBSYNCD = os.path.abspath(os.path.join(ROOT, os.environ.get("DBSYNCD", "daemon/dbsyncd")))
REDIS_SERVER = "/usr/bin/redis-server"
REDIS_CLI = "/usr/bin/redis-cli"
REDIS_BENCHMARK = "/usr/bin/redis-benchmark"

# A generous upper bound: it only stops a hung test.
START_TIMEOUT = 15.0

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: UndefinedBehaviorSanitizer", "SUMMARY: AddressSanitizer")


class ProcessExited(Exception):
    """A process a test waits for has exited: waiting longer cannot help."""



def wait_until(predicate, timeout, what, interval=0.02):
    """Polls predicate() until it returns a true value; fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, ProtocolFailure, AssertionError) as exc:
            last_exc = exc
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_exc!r})" if last_exc else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{detail}")
        time.sleep(interval)


def unread_bytes_at(port):
    """Bytes the kernel holds, not yet read, in the sockets of this host
    listening on or accepted at 127.0.0.1:port (/proc/net/tcp rx_queue):
    what a stopped server has been sent."""
    total = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            ip, local = fields[1].split(":")
            if ip == "0100007F" and int(local, 16) == port:
                total += int(fields[4].split(":")[1], 16)
    return total


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_accepts(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class RedisServer:
    def __init__(self, workdir, name, port=None, args=(), password=None):
        self.workdir = workdir
        self.name = name
        self.port = port or free_port()
        self.args = list(args)
        self.password = password
        self.proc = None
        self.log_path = os.path.join(workdir, f"{name}.log")

    @property
    def address(self):
        return f"redis:127.0.0.1:{self.port}"

    def start(self):
        cmd = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", self.workdir, "--dbfilename", f"{self.name}.rdb",
               "--logfile", self.log_path] + self.args
        if self.password:
            cmd += ["--requirepass", self.password]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, cwd=self.workdir)

        def ready():
            if self.proc.poll() is not None:
                raise ProcessExited(f"redis-server {self.name} exited: {self.log_tail()}")
            with self.client(timeout=1) as c:
                return c.command("PING") == "PONG"

        wait_until(ready, START_TIMEOUT, f"redis-server {self.name} on port {self.port}")
        return self

    def client(self, timeout=REPLY_TIMEOUT, db=0):
        c = Client(self.port, timeout=timeout)
        if self.password:
            assert c.command("AUTH", self.password) == "OK"
        if db:
            assert c.command("SELECT", db) == "OK"
        return c

    def get(self, key, db=0):
        with self.client(db=db) as c:
            return c.command("GET", key)

    def kill(self):
        """SIGKILL: the database vanishes without closing anything politely."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def log_tail(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-2000:]
        except OSError:
            return ""


class Dbsyncd:
    def __init__(self, workdir, databases, args=(), port=None, bind="127.0.0.1", name="dbsyncd",
                 state_dir=None):
        self.workdir = workdir
        # Never the default /var/lib/dbsyncd: each daemon keeps its state
        # (its TLS server key) in the test's directory unless told otherwise.
        self.state_dir = state_dir or os.path.join(workdir, f"{name}.state")
        self.databases = list(databases)
        self.args = [str(a) for a in args]
        self.port = port or free_port()
        self.bind = bind
        self.name = name
        self.proc = None
        self.log_path = os.path.join(workdir, f"{name}.stderr")
        self.sanitizer_prefix = os.path.join(workdir, f"{name}.sanitizer")
        self.expected_exit = False
        self._log = None

    def command_line(self):
        cmd = [DBSYNCD, "-b", self.bind]
        if not self.bind.startswith("unix:"):
            cmd += ["-p", str(self.port)]
        if self.databases:
            cmd += ["-d", ",".join(self.databases)]
        if "--state-dir" not in self.args:
            cmd += ["--state-dir", self.state_dir]
        return cmd + self.args

    def start(self, wait=True):
        env = dict(os.environ)
        for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            opts = env.get(var, "")
            env[var] = (opts + ":" if opts else "") + f"log_path={self.sanitizer_prefix}"
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command_line(), stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log, cwd=self.workdir, env=env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self):
        def ready():
            if self.proc.poll() is not None:
                self.expected_exit = True  # reported here, not again at teardown
                raise ProcessExited(
                    f"dbsyncd exited with status {self.proc.returncode}: {self.log_tail()}")
            if self.bind.startswith("unix:"):
                try:
                    with socket.socket(socket.AF_UNIX) as s:
                        s.settimeout(0.5)
                        s.connect(self.bind[5:])
                        return True
                except OSError:
                    return False
            return port_accepts(self.port, self.bind.strip("[]"))

        wait_until(ready, START_TIMEOUT, f"dbsyncd to accept connections on port {self.port}")

    def client(self, timeout=REPLY_TIMEOUT):
        if self.bind.startswith("unix:"):
            return Client(None, timeout=timeout, unix_path=self.bind[5:])
        return Client(self.port, host=self.bind.strip("[]"), timeout=timeout)

    def info(self):
        """DBSYNC INFO as a dict; database lines dbN become dicts of their fields."""
        with self.client() as c:
            reply = c.command("DBSYNC", "INFO")
        return parse_info(reply)

    def terminate(self, timeout=15.0):
        """SIGTERM and wait; returns the exit status."""
        self.expected_exit = True
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise AssertionError(f"dbsyncd did not exit within {timeout}s of SIGTERM")

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=3000):
        return self.log()[-n:]

    def sanitizer_reports(self):
        reports = []
        for path in sorted(glob.glob(self.sanitizer_prefix + "*")):
            with open(path, errors="replace") as f:
                reports.append(f.read())
        log = self.log()
        if any(m in log for m in SANITIZER_MARKERS):
            reports.append(log)
        return reports

    def shutdown(self):
        """Teardown: stop the daemon, then report a crash or a sanitizer report."""
        problems = []
        if self.proc is None:
            return problems
        status = self.proc.poll()
        if status is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                status = self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                problems.append("dbsyncd did not exit within 15s of SIGTERM at teardown")
                status = 0
        elif not self.expected_exit:
            problems.append(f"dbsyncd exited on its own during the test with status {status}")
        if status < 0 and status != -signal.SIGKILL:
            problems.append(f"dbsyncd died of signal {-status}")
        elif status in (86, 87, 88):
            problems.append(f"dbsyncd exited with sanitizer status {status}")
        for report in self.sanitizer_reports():
            problems.append("sanitizer report:\n" + report[-6000:])
        if self._log:
            self._log.close()
        if problems:
            problems.append("dbsyncd stderr (tail):\n" + self.log_tail())
        return problems


def parse_info(reply):
    assert isinstance(reply, bytes), f"DBSYNC INFO should be a bulk string, got {reply!r}"
    info = {}
    for line in reply.decode().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        assert sep, f"INFO line without ':': {line!r}"
        if re.fullmatch(r"db\d+", key):
            fields = {}
            # last_error may contain commas: it is the last field.
            head, _, last_error = value.partition(",last_error=")
            for item in head.split(","):
                k, _, v = item.partition("=")
                fields[k] = v
            if "last_error=" in value or value.endswith(",last_error="):
                fields["last_error"] = last_error
            info[key] = fields
        else:
            info[key] = value
    return info


class Processes:
    """Owns every process a test starts and stops them all at teardown."""

    def __init__(self, workdir):
        self.workdir = str(workdir)
        self.redis = []
        self.daemons = []
        self.silent = []

    def start_redis(self, count=1, **kw):
        servers = []
        for _ in range(count):
            r = RedisServer(self.workdir, f"redis{len(self.redis)}", **kw)
            self.redis.append(r)
            r.start()
            servers.append(r)
        return servers if count != 1 else servers[0]

    def start_dbsyncd(self, databases, args=(), wait=True, **kw):
        dbs = [d if isinstance(d, str) else d.address for d in databases]
        d = Dbsyncd(self.workdir, dbs, args, name=f"dbsyncd{len(self.daemons)}", **kw)
        self.daemons.append(d)
        d.start(wait=wait)
        return d

    def silent_server(self):
        s = SilentServer()
        self.silent.append(s)
        return s

    def slow_server(self, delay):
        s = SlowServer(delay)
        self.silent.append(s)
        return s

    def teardown(self):
        problems = []
        for d in self.daemons:
            problems += d.shutdown()
        for r in self.redis:
            r.stop()
        for s in self.silent:
            s.stop()
        return problems
