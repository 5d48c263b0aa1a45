"""Commands through dbsyncd reach every database; replies come back unchanged
and in order."""

import os
import time

import pytest

from harness import ReplyError, Status, free_port, wait_until


def test_write_lands_on_every_database(procs, redis3, proxy3):
    with proxy3.client() as c:
        assert c.command("SET", "greeting", "hello") == "OK"
        assert c.command("GET", "greeting") == b"hello"
        binary = b"a\r\nb\x00c\xff"
        assert c.command("HSET", "h", "field", binary) == 1
        for i in range(1, 4):
            assert c.command("INCR", "counter") == i
        assert c.command("DEL", "gone") == 0
    for r in redis3:
        with r.client() as direct:
            assert direct.command("GET", "greeting") == b"hello", r.name
            assert direct.command("HGET", "h", "field") == binary, r.name
            assert direct.command("GET", "counter") == b"3", r.name


def test_error_replies_pass_through_unchanged(procs, redis3, proxy3):
    # What a bare redis-server answers is what dbsyncd must answer.
    with redis3[0].client() as direct:
        assert direct.command("SET", "probe", "x") == "OK"
        wrongtype = direct.command("LPUSH", "probe", "y")
        unknown = direct.command("NOSUCHCOMMAND", "arg")
        arity = direct.command("GET")
        assert direct.command("DEL", "probe") == 1
    assert isinstance(wrongtype, ReplyError) and wrongtype.startswith("WRONGTYPE")
    assert isinstance(unknown, ReplyError) and unknown.startswith("ERR unknown command")
    with proxy3.client() as c:
        assert c.command("SET", "probe", "x") == "OK"
        got = c.command("LPUSH", "probe", "y")
        assert isinstance(got, ReplyError) and got == wrongtype
        got = c.command("NOSUCHCOMMAND", "arg")
        assert isinstance(got, ReplyError) and got == unknown
        got = c.command("GET")
        assert isinstance(got, ReplyError) and got == arity
        # The connection is still usable after error replies.
        assert c.command("GET", "probe") == b"x"


def test_reply_types_pass_through(procs, redis3, proxy3):
    with proxy3.client() as c:
        assert c.command("RPUSH", "l", "a", "b", "c") == 3
        assert c.command("LRANGE", "l", 0, -1) == [b"a", b"b", b"c"]
        assert c.command("GET", "missing") is None
        assert c.command("LRANGE", "missing", 0, -1) == []
        assert c.command("HSET", "hh", "f", "v") == 1
        assert c.command("HGETALL", "hh") == [b"f", b"v"]
        big = b"x" * 300000
        assert c.command("SET", "big", big) == "OK"
        assert c.command("GET", "big") == big
    for r in redis3:
        assert r.get("big") == big


def test_ten_thousand_pipelined_commands_in_order(procs, redis3, proxy3):
    n = 10000
    commands = [("RPUSH", "seq", f"v{i}") for i in range(n)]
    with proxy3.client(timeout=60) as c:
        replies = c.pipeline(commands)
    # RPUSH answers the list length: reply i must be i+1.
    bad = [(i, r) for i, r in enumerate(replies) if r != i + 1]
    assert not bad, f"{len(bad)} replies out of order or wrong, first: {bad[:5]}"
    expected = [f"v{i}".encode() for i in range(n)]
    for r in redis3:
        with r.client() as direct:
            assert direct.command("LRANGE", "seq", 0, -1) == expected, r.name


def test_pipelined_mix_of_gets_and_sets(procs, redis3, proxy3):
    commands = []
    for i in range(2000):
        commands.append(("SET", f"k{i}", f"value-{i}"))
        commands.append(("GET", f"k{i}"))
    with proxy3.client(timeout=60) as c:
        replies = c.pipeline(commands)
    for i in range(2000):
        assert replies[2 * i] == "OK", (i, replies[2 * i])
        assert replies[2 * i + 1] == f"value-{i}".encode(), (i, replies[2 * i + 1])


def test_inline_commands(procs, redis3, proxy3):
    with proxy3.client() as c:
        c.send_raw(b"PING\r\n")
        assert c.read_reply() == "PONG"
        c.send_raw(b"SET a b\r\n")
        assert c.read_reply() == "OK"
        c.send_raw(b"SET \"my key\" 'hello world'\n")
        assert c.read_reply() == "OK"
        c.send_raw(b"\r\n\r\nGET a\r\n")
        assert c.read_reply() == b"b"
    for r in redis3:
        assert r.get("a") == b"b"
        assert r.get("my key") == b"hello world"


def test_ping_is_answered_locally(procs):
    # No database is running at all: PING still gets +PONG from dbsyncd.
    d = procs.start_dbsyncd([f"redis:127.0.0.1:{free_port()}"])
    with d.client() as c:
        reply = c.command("PING")
        assert isinstance(reply, Status) and reply == "PONG"


def test_quit_answers_ok_and_closes(procs, redis3, proxy3):
    with proxy3.client() as c:
        assert c.command("SET", "before-quit", "1") == "OK"
        assert c.command("QUIT") == "OK"
        assert c.wait_closed(10), "connection still open after QUIT"
    assert redis3[0].get("before-quit") == b"1"


def test_close_after_each_reply(procs, redis3):
    d = procs.start_dbsyncd(redis3, ["-c"])
    for i in range(3):
        with d.client() as c:
            assert c.command("SET", f"c{i}", i) == "OK"
            assert c.wait_closed(10), "with -c the connection must close after the reply"
    # --ack one: the client was answered by the first database; the others
    # follow.
    for r in redis3:
        wait_until(lambda: [r.get(f"c{i}") for i in range(3)] == [b"0", b"1", b"2"], 10, f"{r.name} to hold c0..c2")


def test_lowercase_commands_are_forwarded(procs, redis3, proxy3):
    with proxy3.client() as c:
        assert c.command("set", "lower", "case") == "OK"
        assert c.command("ping") == "PONG"
    for r in redis3:
        assert r.get("lower") == b"case"


def test_divergent_replies_are_counted(procs):
    a, b = procs.start_redis(2)
    # Reads go to one database unless --read-from all: nothing to compare.
    d = procs.start_dbsyncd([a, b], ["--read-from", "all"])
    with a.client() as direct:
        direct.command("SET", "diverged", "one")
    with b.client() as direct:
        direct.command("SET", "diverged", "two")
    before = int(d.info()["replies_divergent"])
    with d.client() as c:
        for _ in range(5):
            assert c.command("GET", "diverged") in (b"one", b"two")
    # The second database's reply may arrive after the client's: poll.
    wait_until(lambda: int(d.info()["replies_divergent"]) >= before + 1, 10,
               f"replies_divergent to grow from {before}")


def test_identical_replies_are_not_counted_as_divergent(procs):
    a, b = procs.start_redis(2)
    # Every reply is in before each answer; reads go everywhere to be compared.
    d = procs.start_dbsyncd([a, b], ["--ack", "all", "--read-from", "all"])
    with d.client() as c:
        assert c.command("SET", "same", b"x" * 1000) == "OK"
        assert c.command("RPUSH", "list", "a", "b", "c") == 3
        for _ in range(5):
            assert c.command("GET", "same") == b"x" * 1000
            assert c.command("LRANGE", "list", "0", "-1") == [b"a", b"b", b"c"]
            assert c.command("GET", "missing") is None
            assert c.command("INCRBY", "n", "0") == 0
    assert int(d.info()["replies_divergent"]) == 0
    # The same commands once the copies differ: now they count.
    with b.client() as direct:
        direct.command("RPUSH", "list", "d")
    with d.client() as c:
        c.command("LRANGE", "list", "0", "-1")
    assert int(d.info()["replies_divergent"]) == 1


# --db-batch-wait: while a write to a database awaits its replies, later
# commands are held so that they leave together. SlowServer answers each
# command 0.5 s after it arrived, which makes "in flight" last long enough
# to look at.

def _send_while_first_is_in_flight(procs, batch_wait, late_keys):
    slow = procs.slow_server(delay=0.5)
    d = procs.start_dbsyncd([slow], ["--db-batch-wait", str(batch_wait), "--db-timeout", "5000"])
    # Connected first: commands queued while connecting leave with the
    # connection's first write, which is not a batch to wait for.
    wait_until(lambda: d.info()["db0"]["state"] == "up", 10, "the database to be up")
    first = d.client()
    first.send_raw(b"*3\r\n$3\r\nSET\r\n$5\r\nfirst\r\n$1\r\n1\r\n")
    wait_until(lambda: slow.arrival(b"first") is not None, 5, "the first command to reach the database")
    late = [d.client() for _ in late_keys]
    for c, key in zip(late, late_keys):
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\n2\r\n" % (len(key), key))
    # Every command is answered, held or not.
    assert first.read_reply() == "OK"
    for c in late:
        assert c.read_reply() == "OK"
    for c in [first] + late:
        c.close()
    return slow


@pytest.mark.parametrize("batch_wait", [0, 50])
def test_command_is_not_held_longer_than_batch_wait(procs, batch_wait):
    slow = _send_while_first_is_in_flight(procs, batch_wait, [b"late"])
    # It reached the database while the first write was still unanswered:
    # held at most --db-batch-wait (0 or 50 ms), not until the 0.5 s reply.
    assert slow.arrival(b"late") < slow.replied[b"first"]


def test_commands_wait_for_the_write_in_flight_and_leave_together(procs):
    slow = _send_while_first_is_in_flight(procs, 1000, [b"late1", b"late2", b"late3"])
    # Held until the first write was answered (within the 1 s bound), then
    # sent in one write: the database reads them in one go.
    assert slow.arrival(b"late1") >= slow.replied[b"first"]
    assert slow.chunk_of(b"late1") == slow.chunk_of(b"late2") == slow.chunk_of(b"late3")



def test_sigterm_sends_held_commands_before_exiting(procs):
    # --ack one: the fast database answers, so the client is done while the
    # same command is still held for the slow one (its previous write is
    # unanswered for 0.5 s). Shutting down must send it, not drop it.
    fast = procs.start_redis()
    slow = procs.slow_server(delay=0.5)
    d = procs.start_dbsyncd([fast, slow], ["--db-batch-wait", "1000", "--db-timeout", "5000"])
    wait_until(lambda: d.info()["db1"]["state"] == "up", 10, "the slow database to be up")
    with d.client() as c:
        assert c.command("SET", "first", "1") == "OK"
        wait_until(lambda: slow.arrival(b"first") is not None, 5, "the first command at the slow database")
        assert c.command("SET", "held", "2") == "OK"
    assert slow.arrival(b"held") is None, "not held: the test proves nothing"
    assert d.terminate() == 0
    wait_until(lambda: slow.arrival(b"held") is not None, 5, "the held command at the slow database")
    assert fast.get("held") == b"2"

# --busy-poll: spins between events that come close together, sleeps otherwise.

def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_busy_poll_answers_everything_then_sleeps_when_idle(procs, redis3):
    d = procs.start_dbsyncd(redis3, ["--busy-poll", "1000"])
    with d.client(timeout=60) as c:
        for i in range(300):  # one at a time: the case busy polling is for
            assert c.command("SET", f"bp{i}", i) == "OK"
        replies = c.pipeline([("INCR", "bp-counter")] * 2000)
        assert replies == list(range(1, 2001))
        for r in redis3:
            assert r.get("bp299") == b"299" and r.get("bp-counter") == b"2000", r.name
        # Idle now (the connection stays open): the daemon must block in
        # epoll_wait, not spin. A spinning one would use ~1 s of CPU here.
        time.sleep(0.2)
        before = _cpu_seconds(d.proc.pid)
        time.sleep(1.0)
        used = _cpu_seconds(d.proc.pid) - before
    assert used < 0.3, f"dbsyncd used {used:.2f} s of CPU in 1 s without traffic"
