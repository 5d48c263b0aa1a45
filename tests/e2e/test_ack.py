"""Ack policies with databases killed (SIGKILL) while commands are in flight."""

import os
import re
import signal
import threading

import pytest

from harness import ReplyError, free_port, wait_until


def applied(reply, k, n):
    """True if an -ERR reply names that k of n databases applied the command."""
    return isinstance(reply, ReplyError) and re.search(rf"\b{k}\s*(of|/)\s*{n}\b", reply) is not None


def run_with_kill(procs, ack, total, kill_count):
    """Pipelines SETs through dbsyncd: a first half that every database
    takes, then a second half while kill_count databases are frozen
    (SIGSTOP), which are then SIGKILLed with those commands written or still
    queued; then more SETs one by one. Returns (dbs, d, first, second, after),
    the replies of each part."""
    dbs = procs.start_redis(total)
    d = procs.start_dbsyncd(dbs, ["--ack", ack, "--db-timeout", "3000"])
    half = 1500

    def pipeline(c, prefix):
        c.send_raw(b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n" % (len(k), k)
                            for k in (f"{prefix}{i}".encode() for i in range(half))))

    with d.client(timeout=30) as c:
        assert c.command("SET", "warmup", "1") == "OK"
        pipeline(c, "a")
        first = [c.read_reply() for _ in range(half)]
        victims = dbs[:kill_count]
        for r in victims:
            os.kill(r.proc.pid, signal.SIGSTOP)
        sender = threading.Thread(target=pipeline, args=(c, "b"))
        sender.start()
        # The second half reaches dbsyncd, which writes it to every
        # database; the frozen ones cannot answer.
        wait_until(lambda: int(d.info()["commands_forwarded"]) >= 1 + 2 * half, 20,
                   "dbsyncd to take the second half")
        for r in victims:
            r.kill()
        sender.join(timeout=30)
        second = [c.read_reply() for _ in range(half)]
        after = [c.command("SET", f"after{i}", "v") for i in range(20)]
    return dbs, d, first, second, after


def dbsize(r):
    with r.client() as direct:
        return direct.command("DBSIZE")


def expect(replies, ok, alive=None, total=None):
    """Every reply is +OK (ok), or else the error naming alive of total."""
    if ok:
        bad = [r for r in replies if r != "OK"]
    else:
        bad = [r for r in replies if not applied(r, alive, total)]
    assert not bad, bad[:3]


@pytest.mark.parametrize("ack", ["one", "quorum", "all"])
def test_one_of_three_killed(procs, ack):
    dbs, d, first, second, after = run_with_kill(procs, ack, 3, 1)
    expect(first, ok=True)
    # Two of three still apply every command: enough for one and quorum.
    expect(second + after, ok=ack != "all", alive=2, total=3)
    # The surviving databases got every command.
    for r in dbs[1:]:
        wait_until(lambda: dbsize(r) == 1 + 2 * 1500 + 20, 10, f"{r.name} to hold every key")


@pytest.mark.parametrize("ack", ["one", "quorum", "all"])
def test_two_of_three_killed(procs, ack):
    dbs, d, first, second, after = run_with_kill(procs, ack, 3, 2)
    expect(first, ok=True)
    expect(second + after, ok=ack == "one", alive=1, total=3)
    wait_until(lambda: dbsize(dbs[2]) == 1 + 2 * 1500 + 20, 10, "the survivor to hold every key")


@pytest.mark.parametrize("ack", ["one", "quorum", "all"])
def test_one_of_two_killed(procs, ack):
    # quorum of 2 is 2: losing one database is short of it.
    dbs, d, first, second, after = run_with_kill(procs, ack, 2, 1)
    expect(first, ok=True)
    expect(second + after, ok=ack == "one", alive=1, total=2)
    wait_until(lambda: dbsize(dbs[1]) == 1 + 2 * 1500 + 20, 10, "the survivor to hold every key")


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
