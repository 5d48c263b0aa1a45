"""Processes and a small RESP2 client for dbsyncd's end-to-end tests.

Everything here is real: redis-server processes on free loopback ports, the
dbsyncd binary named by $DBSYNCD (default daemon/dbsyncd), and plain sockets.
Every wait has a deadline; nothing measures speed.
"""

import glob
import os
import re
import signal
import socket
import subprocess
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DBSYNCD = os.path.abspath(os.path.join(ROOT, os.environ.get("DBSYNCD", "daemon/dbsyncd")))
REDIS_SERVER = "/usr/bin/redis-server"
REDIS_CLI = "/usr/bin/redis-cli"
REDIS_BENCHMARK = "/usr/bin/redis-benchmark"

# Generous upper bounds: they only stop a hung test.
START_TIMEOUT = 15.0
REPLY_TIMEOUT = 20.0

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: UndefinedBehaviorSanitizer", "SUMMARY: AddressSanitizer")


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


# --------------------------------------------------------------------- RESP


class ProcessExited(Exception):
    """A process a test waits for has exited: waiting longer cannot help."""


class ProtocolFailure(Exception):
    """The peer sent something that is not RESP2, or closed mid-reply."""


class ReplyError(str):
    """An error reply ("-ERR ...") as a str without the leading '-'."""

    def __repr__(self):
        return f"ReplyError({str.__repr__(self)})"


class Status(str):
    """A status reply ("+OK") as a str without the leading '+'."""


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = str(a)
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Client:
    """A blocking RESP2 connection with a read deadline on every reply."""

    def __init__(self, port, host="127.0.0.1", timeout=REPLY_TIMEOUT, unix_path=None):
        if unix_path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(unix_path)
        else:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def command(self, *args):
        self.send_raw(encode(*args))
        return self.read_reply()

    def pipeline(self, commands):
        """Sends every command in one write, then reads one reply per command."""
        self.send_raw(b"".join(encode(*c) for c in commands))
        return [self.read_reply() for _ in commands]

    def _fill(self):
        try:
            data = self.sock.recv(1 << 16)
        except socket.timeout:
            raise AssertionError(f"no reply within {self.timeout}s")
        if not data:
            raise ProtocolFailure("connection closed by peer")
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def read_reply(self):
        line = self._line()
        if not line:
            raise ProtocolFailure("empty reply line")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return Status(rest.decode("utf-8", "replace"))
        if kind == b"-":
            return ReplyError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [self.read_reply() for _ in range(n)]
        raise ProtocolFailure(f"unexpected reply line {line!r}")

    def read_raw_reply(self):
        """The next reply exactly as the peer sent it: its bytes, framing included."""
        out = bytearray()
        todo = 1
        while todo:
            line = self._line()
            out += line + b"\r\n"
            todo -= 1
            kind, n = line[:1], int(line[1:]) if line[:1] in (b"$", b"*") else 0
            if kind == b"$" and n >= 0:
                while len(self.buf) < n + 2:
                    self._fill()
                out += self.buf[:n + 2]
                self.buf = self.buf[n + 2:]
            elif kind == b"*" and n > 0:
                todo += n
        return bytes(out)

    def raw_command(self, *args):
        self.send_raw(encode(*args))
        return self.read_raw_reply()

    def wait_closed(self, timeout):
        """True if the peer closes the connection within timeout (data before EOF is kept)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(1 << 16)
            except socket.timeout:
                break
            except ConnectionResetError:
                return True
            if not data:
                return True
            self.buf += data
        self.sock.settimeout(self.timeout)
        return False


# --------------------------------------------------------------------- processes


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


class FakeServer:
    """A stand-in database on loopback: accepts connections on a thread and
    hands what each one sends to on_data(); subclasses decide what to answer."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return f"redis:127.0.0.1:{self.port}"

    def on_data(self, conn, data):
        """Called on the server thread with what conn sent (never empty)."""

    def next_due(self):
        """Monotonic time at which on_tick() has work, or None."""
        return None

    def on_tick(self):
        """Called on the server thread after every wait."""

    def _run(self):
        import selectors
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        while not self.stopping:
            due = self.next_due()
            wait = 0.1 if due is None else min(0.1, max(0.0, due - time.monotonic()))
            for key, _ in sel.select(timeout=wait):
                if key.fileobj is self.sock:
                    try:
                        conn, _ = self.sock.accept()
                    except OSError:
                        continue
                    self.conns.append(conn)
                    sel.register(conn, selectors.EVENT_READ)
                    continue
                try:
                    data = key.fileobj.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(key.fileobj)
                    continue
                self.on_data(key.fileobj, data)
            self.on_tick()
        sel.close()

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=5)
        for c in self.conns:
            c.close()
        self.sock.close()


class SilentServer(FakeServer):
    """Accepts connections, reads, and never answers."""

    def __init__(self):
        self.received = 0
        super().__init__()

    def on_data(self, conn, data):
        self.received += len(data)


class SlowServer(FakeServer):
    """Answers +OK to every command, each `delay` seconds after it arrived,
    and records what arrived when: the commands of each recv() as one chunk,
    with the time, and when each got its reply."""

    def __init__(self, delay):
        self.delay = delay
        self.lock = threading.Lock()
        self.chunks = []    # [(monotonic time, [command args as tuples of bytes])]
        self.replied = {}   # first argument after the command name -> when its +OK left
        self.bufs = {}      # conn -> bytes of an incomplete command
        self.due = []       # [(time, conn, key)], in arrival order
        super().__init__()

    def chunk_of(self, key):
        """Index in chunks of the recv() that brought the command for `key`, or None."""
        with self.lock:
            for i, (_, cmds) in enumerate(self.chunks):
                if any(len(c) > 1 and c[1] == key for c in cmds):
                    return i
        return None

    def arrival(self, key):
        """When the command for `key` arrived, or None."""
        i = self.chunk_of(key)
        with self.lock:
            return None if i is None else self.chunks[i][0]

    @staticmethod
    def _parse(buf):
        """Complete RESP arrays at the front of buf, and what is left."""
        cmds = []
        while True:
            if not buf.startswith(b"*") or b"\r\n" not in buf:
                return cmds, buf
            head, rest = buf.split(b"\r\n", 1)
            args = []
            for _ in range(int(head[1:])):
                if b"\r\n" not in rest:
                    return cmds, buf
                line, after = rest.split(b"\r\n", 1)
                n = int(line[1:])
                if len(after) < n + 2:
                    return cmds, buf
                args.append(after[:n])
                rest = after[n + 2:]
            cmds.append(tuple(args))
            buf = rest

    def on_data(self, conn, data):
        cmds, self.bufs[conn] = self._parse(self.bufs.get(conn, b"") + data)
        t = time.monotonic()
        with self.lock:
            self.chunks.append((t, cmds))
        self.due += [(t + self.delay, conn, c[1] if len(c) > 1 else None) for c in cmds]

    def next_due(self):
        return self.due[0][0] if self.due else None

    def on_tick(self):
        # Replies leave in arrival order, as Redis sends them.
        now = time.monotonic()
        while self.due and self.due[0][0] <= now:
            _, conn, key = self.due.pop(0)
            try:
                conn.sendall(b"+OK\r\n")
            except OSError:
                pass
            with self.lock:
                self.replied[key] = time.monotonic()


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
