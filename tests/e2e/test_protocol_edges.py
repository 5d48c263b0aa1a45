"""Requests at the edges of RESP: dbsyncd refuses what Redis 7.0 refuses,
with Redis's own words, and takes what Redis takes.

Each bad request is sent to a real redis-server and to dbsyncd, and the
two answers are compared, so the expectation is Redis itself."""

import subprocess
import threading

import pytest

from harness import DBSYNCD, Client, ProtocolFailure, ReplyError, wait_until

# (id, bytes): requests Redis refuses with a protocol error.
REFUSED = [
    ("count-above-int-max", b"*3000000000\r\n"),
    ("count-int-max-plus-one", b"*2147483648\r\n"),
    ("count-leading-zero", b"*01\r\n$4\r\nPING\r\n"),
    ("count-minus-zero", b"*-0\r\n"),
    ("bulk-two-billion", b"*1\r\n$2000000000\r\n"),
    ("bulk-above-512mib", b"*1\r\n$536870913\r\n"),
    ("bulk-leading-zero", b"*2\r\n$3\r\nGET\r\n$01\r\nk\r\n"),
    ("bulk-minus-zero", b"*2\r\n$3\r\nGET\r\n$-0\r\n\r\n"),
    ("not-a-bulk", b"*1\r\n:4\r\n"),
    ("inline-unbalanced-quotes", b'SET k "v\r\n'),
    ("inline-quote-then-text", b'SET k "v"w\r\n'),
    ("inline-too-big", b"SET k " + b"v" * 65537),
]


def refusal(port, data):
    """The error a server answers `data` with, after checking it then closes."""
    with Client(port, timeout=10) as c:
        c.send_raw(data)
        reply = c.read_reply()
        assert c.wait_closed(10), f"the connection should be closed after {reply!r}"
        return reply


@pytest.fixture
def pair(procs):
    """dbsyncd in front of two redis-servers, and a third, bare one to ask what Redis says."""
    dbs = procs.start_redis(2)
    bare = procs.start_redis(1)
    return procs.start_dbsyncd(dbs), dbs, bare


@pytest.mark.parametrize("data", [d for _, d in REFUSED], ids=[i for i, _ in REFUSED])
def test_protocol_error_is_the_one_redis_gives(pair, data):
    d, dbs, bare = pair
    expected = refusal(bare.port, data)
    assert isinstance(expected, ReplyError) and expected.startswith("ERR Protocol error: "), expected
    assert refusal(d.port, data) == expected
    # Nothing of it reached a database, whose connection is still the first one.
    info = d.info()
    for i in range(len(dbs)):
        assert info[f"db{i}"]["state"] == "up", info
        assert info[f"db{i}"]["reconnects"] == "0", info


def test_a_length_redis_cannot_read_does_not_cut_off_other_clients(pair):
    """A leading zero ($01) used to be forwarded: the database closed dbsyncd's
    shared connection, and every other client's commands on it failed."""
    d, dbs, _ = pair
    stop = threading.Event()
    problems = []
    done = [0]

    def steady():
        try:
            with d.client() as c:
                while not stop.is_set() and done[0] < 100000:
                    n = done[0]
                    replies = c.pipeline([("SET", f"s{n}", n), ("GET", f"s{n}")])
                    if replies != ["OK", str(n).encode()]:
                        problems.append((n, replies))
                        return
                    done[0] += 1
        except (OSError, ProtocolFailure, AssertionError) as exc:
            problems.append(repr(exc))

    t = threading.Thread(target=steady)
    t.start()
    try:
        wait_until(lambda: done[0] >= 50 or problems, 20, "the steady client to get going")
        for _ in range(5):
            reply = refusal(d.port, b"*2\r\n$3\r\nGET\r\n$01\r\nk\r\n")
            assert reply == "ERR Protocol error: invalid bulk length"
        before = done[0]
        wait_until(lambda: done[0] >= before + 50 or problems, 20, "more steady replies")
    finally:
        stop.set()
        t.join(timeout=60)
    assert not t.is_alive()
    assert not problems, problems[:3]
    info = d.info()
    for i in range(len(dbs)):
        assert info[f"db{i}"]["reconnects"] == "0", info
    assert "is down" not in d.log(), d.log_tail()
    for r in dbs:
        assert r.get(f"s{done[0] - 1}") == str(done[0] - 1).encode()


def test_sadd_with_more_than_a_million_members(procs):
    """Redis takes a 1.1-million-member SADD; dbsyncd used to refuse any
    request of more than 1,048,576 arguments and close the connection."""
    dbs = procs.start_redis(2)
    # Adding a million members takes Redis about a second, more on a busy machine.
    d = procs.start_dbsyncd(dbs, ["--db-timeout", "60000"])
    members = 1_100_000
    parts = [b"*%d\r\n$4\r\nSADD\r\n$3\r\nbig\r\n" % (members + 2)]
    parts += [b"$%d\r\n%d\r\n" % (len(str(i)), i) for i in range(members)]
    with d.client(timeout=60) as c:
        c.send_raw(b"".join(parts))
        assert c.read_reply() == members
        assert c.command("SCARD", "big") == members
    for r in dbs:
        with r.client(timeout=60) as c:
            assert c.command("SCARD", "big") == members, r.name
            assert c.command("SISMEMBER", "big", str(members - 1)) == 1, r.name


def test_max_request_args_bounds_the_argument_count(procs):
    dbs = procs.start_redis(2)
    d = procs.start_dbsyncd(dbs, ["--max-request-args", "5"])
    with d.client() as other:
        assert other.command("MSET", "a", "1", "b", "2") == "OK"
        reply = refusal(d.port, b"*7\r\n")
        assert reply == "ERR Protocol error: too many arguments in request (--max-request-args 5)"
        reply = refusal(d.port, b"MSET a 1 b 2 c 3\r\n")
        assert reply == "ERR Protocol error: too many arguments in request (--max-request-args 5)"
        assert other.command("GET", "b") == b"2"
    for r in dbs:
        assert r.get("a") == b"1" and r.get("c") is None, r.name


def test_max_bulk_bytes_bounds_one_argument(procs):
    dbs = procs.start_redis(2)
    d = procs.start_dbsyncd(dbs, ["--max-bulk-bytes", "1000"])
    with d.client() as other:
        assert other.command("SET", "fits", "v" * 1000) == "OK"
        reply = refusal(d.port, b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$1001\r\n")
        assert reply == "ERR Protocol error: invalid bulk length"
        assert other.command("STRLEN", "fits") == 1000
    for r in dbs:
        assert r.get("big") is None, r.name


def test_max_inline_bytes_bounds_an_inline_line(procs):
    dbs = procs.start_redis(2)
    d = procs.start_dbsyncd(dbs, ["--max-inline-bytes", "100"])
    with d.client() as c:
        c.send_raw(b"SET k " + b"v" * 90 + b"\r\n")
        assert c.read_reply() == "OK"
    assert refusal(d.port, b"SET k " + b"v" * 100) == "ERR Protocol error: too big inline request"
    for r in dbs:
        assert r.get("k") == b"v" * 90, r.name


@pytest.mark.parametrize("flag, value, problem", [
    ("--max-request-args", "0", "must be a number from 1 to 2147483647"),
    ("--max-request-args", "2147483648", "must be a number from 1 to 2147483647"),
    ("--max-bulk-bytes", "0", "must be bytes from 1 to 17179869184"),
    ("--max-inline-bytes", "8", "must be bytes from 16 to 1073741824"),
])
def test_bad_bound_is_a_usage_error(flag, value, problem):
    r = subprocess.run([DBSYNCD, flag, value], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr == f"dbsyncd: {flag}: {problem} (see dbsyncd --help)\n"
