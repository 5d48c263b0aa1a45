"""Ack policies with databases killed (SIGKILL) while commands are in flight."""

import re
import threading
import time

import pytest

from harness import ReplyError, free_port


def applied(reply, k, n):
    """True if an -ERR reply names that k of n databases applied the command."""
    return isinstance(reply, ReplyError) and re.search(rf"\b{k}\s*(of|/)\s*{n}\b", reply) is not None


def run_with_kill(procs, ack, total, kill_count):
    """Pipelines SETs through dbsyncd, SIGKILLs kill_count databases midway,
    then sends more SETs one by one. Returns (dbs, replies_in_flight, replies_after)."""
    dbs = procs.start_redis(total)
    d = procs.start_dbsyncd(dbs, ["--ack", ack, "--db-timeout", "3000"])
    n = 3000
    with d.client(timeout=30) as c:
        assert c.command("SET", "warmup", "1") == "OK"
        payload = b"".join(
            b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n" % (len(k), k)
            for k in (f"k{i}".encode() for i in range(n)))
        sender = threading.Thread(target=c.send_raw, args=(payload,))
        sender.start()
        time.sleep(0.02)
        for r in dbs[:kill_count]:
            r.kill()
        sender.join(timeout=30)
        in_flight = [c.read_reply() for _ in range(n)]
        after = [c.command("SET", f"after{i}", "v") for i in range(20)]
    return dbs, d, in_flight, after


@pytest.mark.parametrize("ack", ["one", "quorum", "all"])
def test_one_of_three_killed(procs, ack):
    dbs, d, in_flight, after = run_with_kill(procs, ack, 3, 1)
    if ack in ("one", "quorum"):
        # Two of three still apply every command: every reply is +OK.
        assert all(r == "OK" for r in in_flight), [r for r in in_flight if r != "OK"][:3]
        assert all(r == "OK" for r in after), after[:3]
    else:
        assert all(r == "OK" or applied(r, 2, 3) for r in in_flight), \
            [r for r in in_flight if r != "OK"][:3]
        assert all(applied(r, 2, 3) for r in after), f"ack all with 2 of 3 alive: {after[:3]}"
    # The surviving databases got every command.
    for r in dbs[1:]:
        with r.client() as direct:
            assert direct.command("DBSIZE") == 3000 + 20 + 1, r.name


@pytest.mark.parametrize("ack", ["one", "quorum", "all"])
def test_two_of_three_killed(procs, ack):
    dbs, d, in_flight, after = run_with_kill(procs, ack, 3, 2)
    if ack == "one":
        assert all(r == "OK" for r in in_flight), [r for r in in_flight if r != "OK"][:3]
        assert all(r == "OK" for r in after), after[:3]
    else:
        for r in in_flight:
            assert r == "OK" or applied(r, 1, 3) or applied(r, 2, 3), r
        assert all(applied(r, 1, 3) for r in after), f"ack {ack} with 1 of 3 alive: {after[:3]}"
    with dbs[2].client() as direct:
        assert direct.command("DBSIZE") == 3000 + 20 + 1


@pytest.mark.parametrize("ack", ["one", "quorum", "all"])
def test_one_of_two_killed(procs, ack):
    # quorum of 2 is 2: losing one database is short of it.
    dbs, d, in_flight, after = run_with_kill(procs, ack, 2, 1)
    if ack == "one":
        assert all(r == "OK" for r in in_flight + after)
    else:
        assert all(r == "OK" or applied(r, 1, 2) for r in in_flight)
        assert all(applied(r, 1, 2) for r in after), after[:3]


def test_short_of_quorum_names_the_first_error(procs):
    dbs = procs.start_redis(3)
    d = procs.start_dbsyncd(dbs, ["--ack", "quorum"])
    with d.client() as c:
        assert c.command("SET", "s", "string") == "OK"
        reply = c.command("LPUSH", "s", "x")
    assert applied(reply, 0, 3), reply
    assert "WRONGTYPE" in reply, f"the first database error should be included: {reply!r}"


def test_one_returns_the_error_when_every_database_fails(procs):
    dbs = procs.start_redis(2)
    d = procs.start_dbsyncd(dbs, ["--ack", "one"])
    with d.client() as c:
        assert c.command("SET", "s", "string") == "OK"
        reply = c.command("LPUSH", "s", "x")
    assert isinstance(reply, ReplyError) and reply.startswith("WRONGTYPE"), reply


def test_one_succeeds_if_any_database_succeeds(procs):
    a, b = procs.start_redis(2)
    with a.client() as direct:
        direct.command("SET", "mixed", "string")  # LPUSH fails here, succeeds on b
    d = procs.start_dbsyncd([a, b], ["--ack", "one"])
    with d.client() as c:
        assert c.command("LPUSH", "mixed", "x") == 1
    with b.client() as direct:
        assert direct.command("LRANGE", "mixed", 0, -1) == [b"x"]


@pytest.mark.parametrize("ack", ["one", "quorum", "all"])
def test_no_database_reachable(procs, ack):
    dead = [f"redis:127.0.0.1:{free_port()}" for _ in range(2)]
    d = procs.start_dbsyncd(dead, ["--ack", ack, "--connect-timeout", "300"])
    with d.client(timeout=15) as c:
        reply = c.command("SET", "k", "v")
        assert isinstance(reply, ReplyError) and reply.startswith("ERR"), reply
        # Every policy: the error says that no database could be reached
        # (quorum/all may say it as "0 of 2").
        assert "reach" in reply.lower() or (ack != "one" and applied(reply, 0, 2)), reply
        assert c.command("PING") == "PONG"
