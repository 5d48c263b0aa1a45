"""Operations: flags, make install/uninstall, the systemd unit and its
readiness protocol, the Prometheus endpoint, and logs that report each
change once."""

import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

from harness import DBSYNCD, ROOT, ReplyError, free_port, port_accepts, wait_until

# --------------------------------------------------------------------- helpers


def run_daemon(*args, timeout=10):
    return subprocess.run([DBSYNCD, *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


def run_make(*args, timeout=300):
    """make at the top level, one at a time across pytest workers. The
    variant the tests run under (SANITIZE=1, DEBUG=1 on make's command line
    arrive here in the environment) is left out: installing must not rebuild
    php-ext/modules/dbsync.so as a build that plain php cannot load."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SANITIZE", "DEBUG")}
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    with open(os.path.join(ROOT, "build", ".make-install.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"make {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"
    return r


def http(port, request, timeout=10):
    """Sends a raw request, reads to EOF; returns (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, sep, body = data.partition(b"\r\n\r\n")
    assert sep, f"no end of headers in {data[:200]!r}"
    lines = head.decode("latin-1").split("\r\n")
    m = re.fullmatch(r"HTTP/1\.[01] (\d{3}) .+", lines[0])
    assert m, f"bad status line {lines[0]!r}"
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(m.group(1)), headers, body


def get(port, path="/metrics", method="GET", version="HTTP/1.1"):
    return http(port, f"{method} {path} {version}\r\nHost: localhost\r\n\r\n".encode())


METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def parse_metrics(text):
    """A strict reader of the Prometheus text format: returns
    ({family: type}, {(name, frozenset(labels.items())): value})."""
    types, helps, samples = {}, set(), {}
    assert text.endswith("\n"), "exposition must end with a newline"
    for line in text.splitlines():
        assert line, "no blank lines expected"
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert METRIC_NAME.fullmatch(name), line
            assert name not in helps, f"HELP twice for {name}"
            helps.add(name)
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert name not in types, f"TYPE twice for {name}"
            types[name] = kind
            continue
        assert not line.startswith("#"), line
        m = SAMPLE.fullmatch(line)
        assert m, f"bad sample line {line!r}"
        name, labeltext, value = m.groups()
        labels = {}
        if labeltext:
            pos = 0
            while pos < len(labeltext):
                lm = LABEL.match(labeltext, pos)
                assert lm, f"bad labels in {line!r}"
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert family in types, f"sample {name} before its TYPE"
        key = (name, frozenset(labels.items()))
        assert key not in samples, f"duplicate sample {line!r}"
        samples[key] = float(value)
    assert set(types) == helps, "every family has HELP and TYPE"
    return types, samples


class Metrics:
    def __init__(self, port):
        status, headers, body = get(port)
        assert status == 200, body
        assert headers["content-type"].startswith("text/plain; version=0.0.4")
        assert int(headers["content-length"]) == len(body)
        self.text = body.decode()
        self.types, self.samples = parse_metrics(self.text)

    def value(self, name, **labels):
        key = (name, frozenset((k, str(v)) for k, v in labels.items()))
        assert key in self.samples, f"no sample {name}{labels} in:\n{self.text}"
        return self.samples[key]

    def db(self, name, server, **labels):
        return self.value(name, database=f"127.0.0.1:{server.port}", **labels)


def metrics_dbsyncd(procs, databases, args=()):
    port = free_port()
    d = procs.start_dbsyncd(databases, ["--metrics", f"127.0.0.1:{port}", *args])
    # A whole request, not a bare connect: the server has closed its side
    # (and freed the slot) before the response's end reaches us.
    wait_until(lambda: get(port)[0] == 200, 10, "the metrics port")
    d.metrics_port = port
    return d


# --------------------------------------------------------------------- flags


def test_help_documents_operations_flags_and_signals():
    r = run_daemon("--help")
    assert r.returncode == 0
    for flag in ("--metrics", "--metrics-max-clients", "--log-level", "--verbose", "-v",
                 "--shutdown-timeout"):
        assert re.search(r"(^|[\s,])" + re.escape(flag) + r"\b", r.stdout), flag
    for sig in ("SIGTERM", "SIGHUP"):
        assert sig in r.stdout


@pytest.mark.parametrize("args,flag", [
    (["--metrics", "nope"], "--metrics"),
    (["--metrics", "127.0.0.1:0"], "--metrics"),
    (["--metrics", "unix:/tmp/m.sock"], "--metrics"),
    (["--metrics"], "--metrics"),
    (["--metrics-max-clients", "0"], "--metrics-max-clients"),
    (["--metrics-max-clients", "many"], "--metrics-max-clients"),
    (["-v", "--log-level", "chatty"], "--log-level"),
])
def test_bad_operations_flags_exit_2(args, flag):
    r = run_daemon(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert flag in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_metrics_port_in_use_fails_start_with_status_1(procs):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = run_daemon("-p", str(free_port()), "-d", "redis:127.0.0.1:1", "--metrics", f"127.0.0.1:{port}")
    assert r.returncode == 1
    assert "--metrics" in r.stderr and "bind" in r.stderr


def test_man_page_documents_every_flag():
    with open(os.path.join(ROOT, "daemon", "dbsyncd.8")) as f:
        man = f.read()
    flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+|-[a-zA-Z])\b", run_daemon("--help").stdout))
    assert len(flags) > 20
    man_text = man.replace("\\-", "-")
    for flag in sorted(flags):
        assert re.search(r"(?<![\w-])" + re.escape(flag) + r"\b", man_text), f"{flag} missing from dbsyncd.8"
    for section in ("SIGNALS", "FILES", "EXIT STATUS", "SYSTEMD", "METRICS"):
        assert f".SH {section}" in man
    if shutil.which("groff"):
        r = subprocess.run(["groff", "-man", "-ww", "-z", os.path.join(ROOT, "daemon", "dbsyncd.8")],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and not r.stderr.strip(), r.stderr


# --------------------------------------------------------------------- install


def installed_files(root):
    out = set()
    for dirpath, _, files in os.walk(root):
        for f in files:
            out.add(os.path.relpath(os.path.join(dirpath, f), root))
    return out


def php_install_expected():
    return shutil.which("php-config") and os.path.exists(os.path.join(ROOT, "php-ext", "Makefile"))


def test_install_uninstall_destdir_tree(tmp_path):
    dest = tmp_path / "root"
    run_make("install", f"DESTDIR={dest}", "PREFIX=/usr")
    files = installed_files(dest)
    expected = {"usr/sbin/dbsyncd", "usr/lib/systemd/system/dbsyncd.service",
                "usr/share/man/man8/dbsyncd.8", "etc/default/dbsyncd",
                "usr/bin/dbsync-check", "usr/share/man/man1/dbsync-check.1"}
    if php_install_expected():
        ext_dir = subprocess.run(["php-config", "--extension-dir"], capture_output=True,
                                 text=True).stdout.strip().lstrip("/")
        ini_dir = subprocess.run(["php-config", "--ini-dir"], capture_output=True,
                                 text=True).stdout.strip().lstrip("/")
        expected |= {f"{ext_dir}/dbsync.so", f"{ini_dir}/20-dbsync.ini"}
    assert expected <= files, f"missing: {expected - files}"
    assert files == expected, f"unexpected: {files - expected}"

    daemon = dest / "usr/sbin/dbsyncd"
    assert os.stat(daemon).st_mode & 0o777 == 0o755
    r = subprocess.run([str(daemon), "--version"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and "dbsyncd" in r.stdout
    unit = (dest / "usr/lib/systemd/system/dbsyncd.service").read_text()
    assert not re.search(r"@[A-Z]+@", unit), "unsubstituted @VAR@ in the unit"
    assert "ExecStart=/usr/sbin/dbsyncd $DBSYNCD_OPTS" in unit
    assert "EnvironmentFile=-/etc/default/dbsyncd" in unit
    default = (dest / "etc/default/dbsyncd").read_text()
    assert re.search(r'(?m)^DBSYNCD_OPTS=".+"$', default)
    man = (dest / "usr/share/man/man8/dbsyncd.8").read_text()
    assert "@SBINDIR@" not in man and "/usr/sbin/dbsyncd" in man

    # An operator's edited environment file survives a reinstall and an uninstall.
    (dest / "etc/default/dbsyncd").write_text('DBSYNCD_OPTS="-p 2222"\n')
    run_make("install", f"DESTDIR={dest}", "PREFIX=/usr")
    assert (dest / "etc/default/dbsyncd").read_text() == 'DBSYNCD_OPTS="-p 2222"\n'
    run_make("uninstall", f"DESTDIR={dest}", "PREFIX=/usr")
    assert installed_files(dest) == {"etc/default/dbsyncd"}
    # Unedited, it goes with the rest.
    os.remove(dest / "etc/default/dbsyncd")
    run_make("install", f"DESTDIR={dest}", "PREFIX=/usr")
    run_make("uninstall", f"DESTDIR={dest}", "PREFIX=/usr")
    assert installed_files(dest) == set()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_analyze_verify_installed_unit(tmp_path):
    dest = tmp_path / "root"
    run_make("install-daemon", f"DESTDIR={dest}")
    unit_path = dest / "usr/local/lib/systemd/system/dbsyncd.service"
    unit = unit_path.read_text()
    # verify checks that ExecStart exists: point it into the staged tree.
    staged = tmp_path / "dbsyncd.service"
    staged.write_text(unit.replace("ExecStart=/usr/local/sbin/", f"ExecStart={dest}/usr/local/sbin/"))
    env = dict(os.environ, MANPATH=str(dest / "usr/local/share/man"))
    r = subprocess.run(["systemd-analyze", "verify", str(staged)], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode == 0 and "dbsyncd.service" not in r.stderr, r.stderr

    settings = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith("#"):
            k, _, v = line.partition("=")
            settings.setdefault(k, v)
    assert settings["Type"] == "notify"
    assert settings.get("DynamicUser") == "yes" or settings.get("User") not in (None, "root")
    assert settings["NoNewPrivileges"] == "yes"
    assert settings["ProtectSystem"] == "strict"
    assert settings["PrivateTmp"] == "yes"
    assert settings["StateDirectory"] == "dbsyncd"
    assert settings["Restart"] == "on-failure"
    assert int(settings["LimitNOFILE"]) >= 65536
    assert "HUP" in settings["ExecReload"]


# --------------------------------------------------------------------- systemd notify


class NotifySocket:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if path.startswith("@"):
            self.sock.bind("\0" + path[1:])
        else:
            self.sock.bind(path)
        self.name = path
        self.messages = []

    def wait_for(self, key, timeout=10):
        """Reads datagrams until one has key (e.g. "READY=1"); returns that message's fields."""
        deadline = time.monotonic() + timeout
        while True:
            for m in self.messages:
                if key in m["_lines"]:
                    return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {key} on NOTIFY_SOCKET within {timeout}s; got {self.messages}")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            lines = data.decode().split("\n")
            fields = dict(line.split("=", 1) for line in lines if "=" in line)
            fields["_lines"] = lines
            fields["_at"] = time.monotonic()
            self.messages.append(fields)

    def statuses(self):
        return [m["STATUS"] for m in self.messages if "STATUS" in m]

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@pytest.fixture
def notify(tmp_path, monkeypatch):
    """A NOTIFY_SOCKET that the daemons the test starts report to."""
    with NotifySocket(str(tmp_path / "notify.sock")) as ns:
        monkeypatch.setenv("NOTIFY_SOCKET", ns.name)
        yield ns


@pytest.mark.parametrize("abstract", [False, True], ids=["path", "abstract"])
def test_ready_status_stopping_on_notify_socket(procs, tmp_path, monkeypatch, abstract):
    name = f"@dbsyncd-test-{os.getpid()}-{time.monotonic_ns()}" if abstract else str(tmp_path / "notify.sock")
    with NotifySocket(name) as ns:
        monkeypatch.setenv("NOTIFY_SOCKET", ns.name)
        a, b = procs.start_redis(2)
        d = procs.start_dbsyncd([a, b], wait=False)
        ready = ns.wait_for("READY=1")
        # READY means the port is already listening.
        assert port_accepts(d.port)
        assert ready["STATUS"] == "2/2 databases up"
        with d.client() as c:
            assert c.command("SET", "k", "v") == "OK"
        assert d.terminate() == 0
        stopping = ns.wait_for("STOPPING=1")
        assert stopping["_at"] >= ready["_at"]
        assert sum("READY=1" in m["_lines"] for m in ns.messages) == 1


def test_ready_with_a_database_down_then_status_follows_it(procs, notify):
    a = procs.start_redis(1)
    b_port = free_port()
    started = time.monotonic()
    d = procs.start_dbsyncd([a, f"redis:127.0.0.1:{b_port}"], ["--reconnect-max", "100"], wait=False)
    ready = notify.wait_for("READY=1", timeout=10)
    # The refused database has been tried: no need to wait for it to come up.
    assert ready["_at"] - started < 2.0 + 1.0
    assert ready["STATUS"] == f"1/2 databases up; not connected: 127.0.0.1:{b_port}"
    assert port_accepts(d.port)
    procs.start_redis(1, port=b_port)
    wait_until(lambda: notify.wait_for("STATUS=2/2 databases up", timeout=0.2), 10,
               "STATUS=2/2 databases up")
    # STATUS tracks changes of state, not reconnect attempts: after READY,
    # only the database coming up.
    after = [m["STATUS"] for m in notify.messages if m["_at"] > ready["_at"] and "STATUS" in m]
    assert after == ["2/2 databases up"], notify.statuses()


def test_ready_sent_even_without_redis(procs, notify):
    procs.start_dbsyncd([f"redis:127.0.0.1:{free_port()}"], wait=False)
    assert notify.wait_for("READY=1")["STATUS"].startswith("0/1 databases up")


# --------------------------------------------------------------------- metrics


def test_metrics_counters_match_commands_sent(procs):
    started = time.time()
    a, b = procs.start_redis(2)
    # Reads from every database, so that each answers every command and the
    # diverged GET below is seen.
    d = metrics_dbsyncd(procs, [a, b], ["--read-from", "all"])
    m0 = Metrics(d.metrics_port)
    assert m0.value("dbsyncd_commands_forwarded_total") == 0
    assert m0.types["dbsyncd_commands_forwarded_total"] == "counter"
    assert m0.types["dbsyncd_database_reply_seconds"] == "histogram"
    assert m0.types["dbsyncd_clients_connected"] == "gauge"
    for name, kind in m0.types.items():
        assert name.startswith("dbsyncd_")
        assert (kind == "counter") == name.endswith("_total"), name
    assert started - 5 <= m0.value("dbsyncd_process_start_time_seconds") <= time.time() + 5

    with d.client() as c:
        sets = [("SET", f"k{i}", str(i)) for i in range(25)]
        assert c.pipeline(sets) == ["OK"] * 25
        assert c.command("GET", "k3") == b"3"
        assert c.command("INCR", "counter") == 1
        assert isinstance(c.command("SUBSCRIBE", "ch"), ReplyError)
        assert isinstance(c.command("SELECT", "1"), ReplyError)
        assert c.command("PING") == "PONG"
        c.command("DBSYNC", "INFO")
        # Copies that diverged: the databases answer GET differently.
        with a.client() as ca, b.client() as cb:
            ca.command("SET", "split", "a")
            cb.command("SET", "split", "b")
        assert c.command("GET", "split") in (b"a", b"b")
        assert Metrics(d.metrics_port).value("dbsyncd_clients_connected") == 1
    forwarded = 25 + 2 + 1

    # With --ack one the client is answered at the first reply; the other
    # database's reply (the one that shows the divergence) may come later.
    def settled():
        now = Metrics(d.metrics_port)
        return all(now.db("dbsyncd_database_replies_total", r) == forwarded for r in (a, b))

    wait_until(settled, 10, "every database to have answered every command")
    m = Metrics(d.metrics_port)
    assert m.value("dbsyncd_commands_forwarded_total") == forwarded
    assert m.value("dbsyncd_commands_rejected_total") == 2
    assert m.value("dbsyncd_commands_failed_total") == 0
    assert m.value("dbsyncd_commands_divergent_total") == 1
    assert m.value("dbsyncd_client_connections_total") == m0.value("dbsyncd_client_connections_total") + 1
    assert m.value("dbsyncd_databases") == 2
    assert m.value("dbsyncd_databases_connected") == 2
    for r in (a, b):
        assert m.db("dbsyncd_database_up", r) == 1
        assert m.db("dbsyncd_database_state", r, state="up") == 1
        assert m.db("dbsyncd_database_state", r, state="down") == 0
        assert m.db("dbsyncd_database_replies_total", r) == forwarded
        assert m.db("dbsyncd_database_failures_total", r) == 0
        assert m.db("dbsyncd_database_reconnects_total", r) == 0
        assert m.db("dbsyncd_database_pending_commands", r) == 0
        count = m.db("dbsyncd_database_reply_seconds_count", r)
        assert count == forwarded
        buckets = sorted(((float(dict(k[1])["le"]), v) for k, v in m.samples.items()
                          if k[0] == "dbsyncd_database_reply_seconds_bucket"
                          and dict(k[1])["database"] == f"127.0.0.1:{r.port}"))
        assert buckets[-1] == (float("inf"), count)
        assert all(x[1] <= y[1] for x, y in zip(buckets, buckets[1:])), "buckets are cumulative"
        assert 0 < m.db("dbsyncd_database_reply_seconds_sum", r) < count * 2.0
    wait_until(lambda: Metrics(d.metrics_port).value("dbsyncd_clients_connected") == 0, 5,
               "the client to be gone")


def test_metrics_http_errors(procs):
    a = procs.start_redis(1)
    d = metrics_dbsyncd(procs, [a])
    port = d.metrics_port
    assert get(port, "/metrics?name[]=x")[0] == 200
    assert get(port, version="HTTP/1.0")[0] == 200
    status, headers, body = get(port, method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 100
    assert get(port, "/")[0] == 404
    assert get(port, "/metrics/x")[0] == 404
    status, headers, _ = get(port, method="POST")
    assert status == 405 and headers["allow"] == "GET, HEAD"
    assert get(port, method="DELETE")[0] == 405
    assert get(port, version="HTTP/2.0")[0] == 505
    assert http(port, b"hello\r\n\r\n")[0] == 400
    assert http(port, b"GET /metrics\r\n\r\n")[0] == 400
    assert http(port, b"GET http://x/metrics HTTP/1.1\r\n\r\n")[0] == 400
    big = b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 9000
    status, _, _ = http(port, big)  # never ends its head: too large once past the bound
    assert status == 431
    for status, headers, _ in (get(port), get(port, "/")):
        assert headers["connection"] == "close"
    # The proxy itself never noticed.
    with d.client() as c:
        assert c.command("SET", "x", "1") == "OK"


def test_metrics_connection_limit_and_read_timeout(procs):
    a = procs.start_redis(1)
    d = metrics_dbsyncd(procs, [a], ["--metrics-max-clients", "2"])
    idle = [socket.create_connection(("127.0.0.1", d.metrics_port), timeout=15) for _ in range(2)]
    try:
        time.sleep(0.2)
        status, headers, _ = get(d.metrics_port)
        assert status == 503
        # The proxy is not affected by a stuck scraper.
        with d.client() as c:
            assert c.command("SET", "x", "1") == "OK"
        # Idle connections are answered 408 and closed after the read timeout.
        for s in idle:
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            assert data.startswith(b"HTTP/1.1 408 ")
    finally:
        for s in idle:
            s.close()
    wait_until(lambda: get(d.metrics_port)[0] == 200, 5, "metrics to serve again")
    log = d.log()
    assert log.count("--metrics-max-clients") == 1, log
    assert log.count("metrics: accepting connections again") == 1, log


# --------------------------------------------------------------------- logs


def lines_with(log, text):
    return [line for line in log.splitlines() if text in line]


def test_database_killed_and_restarted_once_in_metrics_and_logs(procs, monkeypatch):
    # Under systemd stderr goes to the journal: lines carry <N> priorities.
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    a, b = procs.start_redis(2)
    d = metrics_dbsyncd(procs, [a, b], ["--reconnect-max", "100"])
    wait_until(lambda: Metrics(d.metrics_port).db("dbsyncd_database_up", b) == 1, 10, "b up")
    with d.client() as c:
        assert c.command("SET", "before", "1") == "OK"
        # ack one answered from a; b must have answered too before it dies,
        # or that command counts as one more failure. Redis writes the reply
        # to dbsyncd no later than its answer to this later GET.
        wait_until(lambda: b.get("before") == b"1", 5, "b to apply the first SET")
        b.kill()
        wait_until(lambda: Metrics(d.metrics_port).db("dbsyncd_database_up", b) == 0, 10, "b down in metrics")
        # Commands and reconnect attempts while it is down: none of them is logged.
        for i in range(30):
            assert c.command("SET", f"down{i}", "1") == "OK"
        time.sleep(1.0)  # several reconnect attempts at --reconnect-max 100
        m = Metrics(d.metrics_port)
        assert m.db("dbsyncd_database_state", b, state="up") == 0
        assert m.db("dbsyncd_database_failures_total", b) == 30
        assert m.db("dbsyncd_database_reconnects_total", b) == 0
        assert m.value("dbsyncd_databases_connected") == 1
        b.start()
        wait_until(lambda: Metrics(d.metrics_port).db("dbsyncd_database_up", b) == 1, 10, "b up again")
        assert c.command("SET", "after", "1") == "OK"
    m = Metrics(d.metrics_port)
    assert m.db("dbsyncd_database_reconnects_total", b) == 1
    assert m.db("dbsyncd_database_reconnects_total", a) == 0
    assert m.value("dbsyncd_commands_forwarded_total") == 32
    assert m.value("dbsyncd_commands_failed_total") == 0  # ack one: a took them all

    log = d.log()
    name = f"database 127.0.0.1:{b.port}"
    down = lines_with(log, f"{name} is down")
    up = lines_with(log, f"{name} is up")
    assert len(down) == 1, log
    assert len(up) == 2, log  # at start, and once back
    assert log.index(up[0]) < log.index(down[0]) < log.rindex(up[1])
    assert down[0].startswith("<4>") and up[1].startswith("<5>"), log
    # The start-up line, up, down, "missed a write" (reads avoid it), up again.
    assert len(lines_with(log, f"127.0.0.1:{b.port}")) <= 5, log
    for line in log.splitlines():
        assert re.match(r"<[0-7]>\S", line), f"line without a journald priority: {line!r}"


def test_max_clients_hit_logged_once_per_episode(procs):
    a = procs.start_redis(1)
    d = metrics_dbsyncd(procs, [a], ["--max-clients", "2"])
    held = [d.client(), d.client()]
    for c in held:
        assert c.command("PING") == "PONG"
    for _ in range(5):
        with d.client() as extra:
            reply = extra.read_reply()
            assert isinstance(reply, ReplyError) and "max" in reply
    held.pop().close()
    # Connect again only once the daemon has seen the close, or that
    # attempt is one more (legitimate) refusal.
    wait_until(lambda: Metrics(d.metrics_port).value("dbsyncd_clients_connected") == 1, 10,
               "the closed client to be gone")
    with d.client() as c:
        assert c.command("PING") == "PONG"
    held[0].close()
    assert Metrics(d.metrics_port).value("dbsyncd_clients_rejected_total") == 5
    log = d.log()
    assert len(lines_with(log, "--max-clients 2 reached")) == 1, log
    assert len(lines_with(log, "accepting clients again (5 refused")) == 1, log


def test_log_levels(procs):
    a = procs.start_redis(1)
    quiet = procs.start_dbsyncd([a], ["--log-level", "warning"])
    verbose = procs.start_dbsyncd([a], ["-v"])
    debug = procs.start_dbsyncd([a], ["-vv"])
    for d in (quiet, verbose, debug):
        with d.client() as c:
            assert c.command("SET", "k", "v") == "OK"
    wait_until(lambda: "ready:" in verbose.log(), 5, "the info line 'ready:'")
    assert quiet.log() == ""
    assert " notice: " in verbose.log() and " info: " in verbose.log()
    assert " debug: " not in verbose.log()
    assert "listening on" in debug.log()
    for d in (quiet, verbose, debug):
        for line in d.log().splitlines():
            assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (error|warning|notice|info|debug): ", line), line


def test_sighup_without_keys_and_sigterm(procs):
    a = procs.start_redis(1)
    d = procs.start_dbsyncd([a])
    d.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "nothing to reload" in d.log(), 5, "the SIGHUP log line")
    with d.client() as c:
        assert c.command("SET", "k", "v") == "OK"
    assert d.terminate() == 0
    assert "dbsyncd stopped" in d.log()
