"""Reconnection, bad clients, limits, timeouts, many clients, shutdown."""

import os
import resource
import signal
import socket
import threading
import time

import pytest

from harness import Client, ProtocolFailure, ReplyError, wait_until


def test_reconnects_after_database_restarts_on_same_port(procs):
    a, b = procs.start_redis(2)
    d = procs.start_dbsyncd([a, b])
    with d.client() as c:
        assert c.command("SET", "before", "1") == "OK"
        b.kill()
        assert c.command("SET", "while-down", "1") == "OK"  # ack one: a is enough
        b.start()  # same port, empty database
        n = [0]

        def lands_on_b():
            n[0] += 1
            key = f"probe{n[0]}"
            assert c.command("SET", key, "1") == "OK"
            return b.get(key) == b"1"

        wait_until(lands_on_b, 15, "writes to reach the restarted database", interval=0.1)
    wait_until(lambda: d.info()["db1"]["state"] == "up", 10, "db1 state up")
    assert int(d.info()["db1"]["reconnects"]) >= 1
    assert a.get("while-down") == b"1"


GARBAGE = [
    b"*1\r\n$x\r\n",
    b"*abc\r\n",
    b"*2\r\n$3\r\nGET\r\n:1\r\n",
    b"*1\r\n$4\r\nPINGXX",
    b"*1\r\n$-5\r\n",
    b'SET "unbalanced\r\n',
]


@pytest.mark.parametrize("garbage", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_client_is_refused_and_others_carry_on(procs, redis3, garbage):
    d = procs.start_dbsyncd(redis3)
    good = d.client()
    errors = []
    stop = threading.Event()

    def well_behaved():
        i = 0
        try:
            while not stop.is_set() or i < 200:
                replies = good.pipeline([("SET", f"g{i}", i), ("GET", f"g{i}")])
                if replies != ["OK", str(i).encode()]:
                    errors.append((i, replies))
                    return
                i += 1
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    t = threading.Thread(target=well_behaved)
    t.start()
    try:
        with d.client(timeout=10) as bad:
            bad.send_raw(garbage)
            reply = bad.read_reply()
            assert isinstance(reply, ReplyError), reply
            assert reply.startswith("ERR Protocol error: "), reply
            assert bad.wait_closed(10), "the garbage-sending client must be closed"
    finally:
        stop.set()
        t.join(timeout=60)
    assert not t.is_alive()
    assert not errors, errors[:3]
    assert good.command("PING") == "PONG"
    good.close()


def test_oversize_request_is_rejected_while_others_carry_on(procs, redis3):
    d = procs.start_dbsyncd(redis3, ["--max-request-bytes", "1024"])
    with d.client() as other, d.client(timeout=10) as big:
        assert other.command("SET", "small", "x" * 100) == "OK"
        try:
            big.send_raw(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$5000\r\n" + b"y" * 5000 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed before we finished writing: also a refusal
        try:
            reply = big.read_reply()
            assert isinstance(reply, ReplyError), reply
            assert reply.startswith("ERR"), reply
        except ConnectionResetError:
            reply = None
        assert other.command("SET", "small2", "z") == "OK"
        assert other.command("GET", "small") == b"x" * 100
    for r in redis3:
        assert r.get("big") is None, "the oversize request must not reach a database"
        assert r.get("small2") == b"z"
    with d.client() as again:
        assert again.command("SET", "fits", "a" * 800) == "OK"


def test_client_timeout_closes_half_sent_request(procs, redis3):
    d = procs.start_dbsyncd(redis3, ["--client-timeout", "300"])
    with d.client() as idle, d.client() as half:
        half.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk")
        assert half.wait_closed(10), "a half-received request must be dropped after --client-timeout"
        # A client that sent nothing is not "half way" through a request.
        time.sleep(0.6)
        assert idle.command("PING") == "PONG"
    for r in redis3:
        assert r.get("k") is None


def test_client_timeout_closes_half_sent_inline_request(procs, redis3):
    d = procs.start_dbsyncd(redis3, ["--client-timeout", "300"])
    with d.client() as half:
        half.send_raw(b"SET k v")
        assert half.wait_closed(10), "a half-received inline command must be dropped after --client-timeout"


def test_db_timeout_gives_error_for_stalled_database(procs):
    silent = procs.silent_server()
    d = procs.start_dbsyncd([silent], ["--db-timeout", "300", "--connect-timeout", "300"])
    with d.client(timeout=15) as c:
        start = time.monotonic()
        reply = c.command("SET", "k", "v")
        assert isinstance(reply, ReplyError) and reply.startswith("ERR"), reply
        assert time.monotonic() - start < 10, "bounded by --db-timeout, not forever"
        assert c.command("PING") == "PONG"


def test_stalled_database_does_not_block_ack_one(procs):
    good = procs.start_redis(1)
    silent = procs.silent_server()
    d = procs.start_dbsyncd([good, silent], ["--db-timeout", "500", "--connect-timeout", "500"])
    with d.client(timeout=15) as c:
        for i in range(20):
            assert c.command("SET", f"s{i}", i) == "OK"
        assert c.command("GET", "s7") == b"7"
    assert good.get("s19") == b"19"


def test_database_with_password_and_db_number(procs):
    r = procs.start_redis(1, password="s3cret")
    d = procs.start_dbsyncd([f"redis://default:s3cret@127.0.0.1:{r.port}/2"])
    with d.client() as c:
        assert c.command("SET", "authed", "yes") == "OK"
        assert c.command("GET", "authed") == b"yes"
    assert r.get("authed", db=2) == b"yes"
    assert r.get("authed", db=0) is None


def test_database_with_acl_user(procs):
    r = procs.start_redis(1, password="adminpw")
    with r.client() as admin:
        assert admin.command("ACL", "SETUSER", "alice", "on", ">alicepw", "~*", "+@all") == "OK"
    d = procs.start_dbsyncd([f"redis://alice:alicepw@127.0.0.1:{r.port}/3"])
    with d.client() as c:
        assert c.command("SET", "who", "alice") == "OK"
    assert r.get("who", db=3) == b"alice"
    assert r.get("who", db=0) is None


def test_wrong_database_password_gives_errors_not_a_crash(procs):
    r = procs.start_redis(1, password="right")
    d = procs.start_dbsyncd([f"redis://default:wrong@127.0.0.1:{r.port}"])
    with d.client(timeout=15) as c:
        reply = c.command("SET", "k", "v")
        assert isinstance(reply, ReplyError), reply
        assert c.command("PING") == "PONG"
    assert r.get("k") is None


def test_thousand_concurrent_clients(procs, redis3):
    n = 1000
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert soft == resource.RLIM_INFINITY or soft >= 2 * n + 100, f"RLIMIT_NOFILE {soft} too low"
    d = procs.start_dbsyncd(redis3, ["--max-clients", "2000"])
    clients = []
    try:
        for _ in range(n):
            clients.append(Client(d.port, timeout=30))
        for i, c in enumerate(clients):
            c.send_raw(b"*3\r\n$3\r\nSET\r\n$%d\r\nclient:%d\r\n$%d\r\n%d\r\n"
                       % (len(f"client:{i}"), i, len(str(i)), i))
        for i, c in enumerate(clients):
            assert c.read_reply() == "OK", i
        assert int(d.info()["connected_clients"]) >= n
    finally:
        for c in clients:
            c.close()
    for r in redis3:
        with r.client() as direct:
            assert direct.command("DBSIZE") == n
            assert direct.command("GET", "client:999") == b"999"


def test_max_clients_refuses_extra_clients_only(procs, redis3):
    d = procs.start_dbsyncd(redis3, ["--max-clients", "5"])
    clients = []

    def connect_served():
        # The readiness probe's connection may still count for a moment.
        c = d.client(timeout=10)
        try:
            if c.command("PING") == "PONG":
                return c
        except (OSError, AssertionError, ProtocolFailure):
            pass
        c.close()
        return None

    try:
        for _ in range(5):
            clients.append(wait_until(connect_served, 10, "a client slot under --max-clients 5"))
        extra = d.client(timeout=10)
        try:
            extra.send_raw(b"PING\r\n")
            reply = extra.read_reply()
            assert isinstance(reply, ReplyError) and "max" in reply.lower(), reply
        except (ConnectionResetError, BrokenPipeError, ProtocolFailure):
            pass  # closed without a reply is also a refusal
        assert extra.wait_closed(10), "the client over --max-clients must be closed"
        extra.close()
        for i, c in enumerate(clients):
            assert c.command("SET", f"m{i}", i) == "OK"
    finally:
        for c in clients:
            c.close()
    wait_until(lambda: int(d.info()["rejected_clients"]) >= 1, 10, "rejected_clients >= 1")


def send_without_reading(d, request):
    """A client with a tiny receive buffer that sends `request` and never
    reads a reply; returned open, for the caller to close."""
    hog = d.client()
    hog.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        hog.sock.settimeout(30)
        hog.sock.sendall(request)
    except OSError:
        pass  # closed by dbsyncd before all of it was sent
    return hog


def test_client_that_does_not_read_is_closed(procs, redis3):
    d = procs.start_dbsyncd(redis3, ["--client-max-output", "1000000"])
    with d.client() as setup:
        assert setup.command("SET", "big", b"v" * 100000) == "OK"
    # 2000 GETs of 100 KB is 200 MB of replies; we never read them.
    hog = send_without_reading(d, b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 2000)
    with d.client() as other:
        assert other.command("SET", "still", "fine") == "OK"
    wait_until(lambda: int(d.info()["connected_clients"]) <= 1, 20,
               "the client that does not read to be closed")
    hog.close()


def test_client_that_does_not_read_local_replies_is_closed(procs, redis3):
    # Replies dbsyncd makes itself (PING, DBSYNC INFO) count against
    # --client-max-output like forwarded ones.
    d = procs.start_dbsyncd(redis3, ["--client-max-output", "1000000"])
    # Each DBSYNC INFO reply is over 1 KB: 40,000 of them never read.
    hog = send_without_reading(d, b"*2\r\n$6\r\nDBSYNC\r\n$4\r\nINFO\r\n" * 40000)
    wait_until(lambda: int(d.info()["client_output_overflows"]) == 1, 20,
               "the client that does not read to be closed over --client-max-output")
    assert int(d.info()["connected_clients"]) == 1  # the one asking
    hog.close()


def test_sigterm_answers_requests_in_flight_then_exits_0(procs):
    r = procs.start_redis(1)
    d = procs.start_dbsyncd([r], ["--shutdown-timeout", "10000", "--db-timeout", "10000"])
    n = 50
    with d.client(timeout=30) as c:
        assert c.command("SET", "warmup", "v") == "OK"
        # A frozen database: our requests wait in flight until it thaws.
        os.kill(r.proc.pid, signal.SIGSTOP)
        try:
            c.send_raw(b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n" % (len(k), k)
                                for k in (f"inflight{i}".encode() for i in range(n))))
            wait_until(lambda: int(d.info()["commands_forwarded"]) == 1 + n, 10, "dbsyncd to take the requests")
            d.proc.send_signal(signal.SIGTERM)
            wait_until(lambda: "shutting down" in d.log(), 10, "dbsyncd to begin its shutdown")
        finally:
            os.kill(r.proc.pid, signal.SIGCONT)
        replies = [c.read_reply() for _ in range(n)]
        assert replies == ["OK"] * n
    d.expected_exit = True
    assert d.proc.wait(timeout=20) == 0
    with r.client() as direct:
        assert direct.command("DBSIZE") == 1 + n


def test_sigterm_when_idle_exits_0(procs, redis3, proxy3):
    with proxy3.client() as c:
        assert c.command("SET", "k", "v") == "OK"
    assert proxy3.terminate() == 0


def test_bind_unix_socket_and_unix_database(procs, tmp_path):
    sock = str(tmp_path / "redis.sock")
    r = procs.start_redis(1, args=["--unixsocket", sock, "--unixsocketperm", "700"])
    listen = str(tmp_path / "dbsyncd.sock")
    d = procs.start_dbsyncd([f"redis:unix:{sock}"], bind=f"unix:{listen}")
    with d.client() as c:
        assert c.command("SET", "via", "unix") == "OK"
    assert r.get("via") == b"unix"


def test_bind_ipv6_loopback(procs, redis3):
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.fail("IPv6 loopback is not available on this machine")
    d = procs.start_dbsyncd(redis3, bind="::1")
    with Client(d.port, host="::1") as c:
        assert c.command("SET", "v6", "yes") == "OK"
    assert redis3[0].get("v6") == b"yes"
