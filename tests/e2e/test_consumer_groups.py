"""Consumer groups through dbsyncd (docs/dbsyncd.md, "Leader-first
commands"): XREADGROUP of new entries and XAUTOCLAIM run on the leader, the
others get the same reads and claims, and every database records the same
delivery time and count for each pending entry, so the pending lists are
identical, not merely close.

The follower B is stopped (SIGSTOP) while the commands go through and
resumed only once the clock has moved on: had each database taken the
delivery time from its own clock, B's would be later than A's. What a user
checks: XINFO STREAM ... FULL (each pending entry's consumer, delivery time
and count) and XINFO GROUPS on every database, and the replies against a
standalone redis-server given the same commands.
"""

import os
import random
import threading

import pytest

from harness import ProtocolFailure, ReplyError, encode, wait_until
from journal_load import start_database, start_journal_dbsyncd, wait_caught_up
from test_deterministic_ttl import Setup, now_ms, stopped
from test_leader_first import kills_under_load

SEED = int(os.environ.get("DBSYNC_TEST_SEED", "20261203"))
NOTE = f" (DBSYNC_TEST_SEED={SEED})"


def groups_state(server, key):
    """Each group of `key` as XINFO STREAM FULL gives it, minus what each
    server takes from its own clock for a consumer (seen-time, active-time)."""
    with server.client() as c:
        full = c.command("XINFO", "STREAM", key, "FULL", "COUNT", "0")  # 0: every entry
    out = []
    for group in dict(zip(full[::2], full[1::2]))[b"groups"]:
        g = dict(zip(group[::2], group[1::2]))
        consumers = []
        for consumer in g.pop(b"consumers"):
            fields = dict(zip(consumer[::2], consumer[1::2]))
            fields.pop(b"seen-time", None)
            fields.pop(b"active-time", None)
            consumers.append(fields)
        g[b"consumers"] = consumers
        out.append(g)
    return out


def pending(server, key):
    """(id, consumer, delivery time, delivery count) of every pending entry."""
    return [tuple(p) for g in groups_state(server, key) for p in g[b"pending"]]


def digest(server):
    with server.client() as c:
        return c.command("DEBUG", "DIGEST")


class Groups(Setup):
    """A and B behind dbsyncd, and C, a standalone redis-server given the
    same commands for the reference replies (both(), settled())."""

    def __init__(self, procs, tmp_path, journal):
        # Setup's own servers lack DEBUG DIGEST and a journal: not started.
        self.a, self.b = start_database(procs), start_database(procs)
        self.c = procs.start_redis(1)
        args = ["--ack", "one"]
        if journal:
            self.d = start_journal_dbsyncd(procs, [self.a, self.b], tmp_path / "journal", args, metrics=False)
        else:
            self.d = procs.start_dbsyncd([self.a, self.b], args + ["--no-journal"])
        wait_until(lambda: all(self.d.info()[n]["state"] == "up" for n in ("db0", "db1")), 10, "both databases up")

    def with_b_late(self, *cmd):
        """cmd through dbsyncd (and on C) while B is stopped; B resumes once
        the clock is 3 ms past A's reply. Returns the span it ran in."""
        with stopped(self.b):
            t0 = now_ms()
            self.both(*cmd, settle=False)
            t1 = now_ms()
            wait_until(lambda: now_ms() >= t1 + 3, 5, "the clock to move 3 ms past A's execution")
        self.settled()
        return t0, t1

    def same_groups(self, key):
        a, b = groups_state(self.a, key), groups_state(self.b, key)
        assert a == b, f"the consumer groups differ:\nA {a}\nB {b}"
        assert digest(self.a) == digest(self.b)
        return a

    def same_deliveries_as_redis(self, key):
        """A delivered and claimed what C did (C's times are its own)."""
        def owners(server):
            return [(p[0], p[1], p[3]) for p in pending(server, key)]
        assert owners(self.a) == owners(self.c)


@pytest.fixture(params=["journal", "no-journal"])
def groups(request, procs, tmp_path):
    return Groups(procs, tmp_path, request.param == "journal")


def fill(g, key="st", n=10):
    for i in range(1, n + 1):
        g.both("XADD", key, f"{i}-0", "n", str(i))
    g.both("XGROUP", "CREATE", key, "g", "0")


def test_xreadgroup_gives_every_database_the_same_delivery_times(groups):
    g = groups
    fill(g)
    t0, t1 = g.with_b_late("XREADGROUP", "GROUP", "g", "c1", "COUNT", "4", "STREAMS", "st", ">")
    s0, s1 = g.with_b_late("XREADGROUP", "GROUP", "g", "c2", "COUNT", "3", "STREAMS", "st", ">")
    state = g.same_groups("st")
    assert state[0][b"last-delivered-id"] == b"7-0" and state[0][b"entries-read"] == 7
    got = pending(g.a, "st")
    assert [p[0] for p in got] == [f"{i}-0".encode() for i in range(1, 8)]
    assert [p[1] for p in got] == [b"c1"] * 4 + [b"c2"] * 3
    assert all(p[3] == 1 for p in got), got
    assert all(t0 <= p[2] <= t1 for p in got[:4]) and all(s0 <= p[2] <= s1 for p in got[4:]), (got, t0, t1, s0, s1)
    assert int(g.d.info()["commands_leader_first"]) == 2
    g.same_deliveries_as_redis("st")
    # Reading the history counts one more delivery, now.
    r0, r1 = g.with_b_late("XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "st", "0")
    again = pending(g.a, "st")
    assert [(p[0], p[3]) for p in again[:3]] == [(b"1-0", 2), (b"2-0", 2), (b"3-0", 1)], again
    assert all(r0 <= p[2] <= r1 for p in again[:2]) and again[2:] == got[2:], (again, r0, r1)
    g.same_groups("st")
    g.same_deliveries_as_redis("st")


def test_xreadgroup_answers_as_redis_does(groups):
    g = groups
    fill(g, n=3)
    g.both("XADD", "other", "1-0", "a", "b")
    g.both("XGROUP", "CREATE", "other", "g", "$")
    cases = [
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "st", "other", ">", ">"),  # one stream has nothing new
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "st", ">"),  # nothing new: a null array
        ("XREADGROUP", "GROUP", "g", "new", "COUNT", "1", "STREAMS", "st", ">"),  # makes a consumer, reads none
        ("XREADGROUP", "GROUP", "nogroup", "c", "STREAMS", "st", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "COUNT", "x", "STREAMS", "st", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "st", "other", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "st", ">"),
    ]
    replies = [g.both(*case) for case in cases]
    assert replies[1] == b"*-1\r\n" and replies[3].startswith(b"-NOGROUP")
    g.settled()
    g.same_groups("st")
    g.same_groups("other")
    g.same_deliveries_as_redis("st")
    # The consumers made are the ones Redis makes (a read that delivers
    # nothing makes none in Redis 7.0).
    def names(server):
        return sorted(c[b"name"] for c in groups_state(server, "st")[0][b"consumers"])
    assert b"c" in names(g.b) and names(g.b) == names(g.c)


def test_xautoclaim_gives_every_database_the_same_claims(groups):
    g = groups
    fill(g)
    g.both("XREADGROUP", "GROUP", "g", "c1", "COUNT", "6", "STREAMS", "st", ">")
    t0, t1 = g.with_b_late("XAUTOCLAIM", "st", "g", "c2", "0", "0-0", "COUNT", "2")
    got = pending(g.a, "st")
    assert [(p[1], p[3]) for p in got[:2]] == [(b"c2", 2), (b"c2", 2)], got
    assert all(t0 <= p[2] <= t1 for p in got[:2]), (got, t0, t1)
    g.same_groups("st")
    # An entry deleted from the stream is dropped from the pending list by
    # the next XAUTOCLAIM that meets it, on every database.
    g.both("XDEL", "st", "3-0")
    g.with_b_late("XAUTOCLAIM", "st", "g", "c3", "0", "3-0", "COUNT", "2", "JUSTID")
    got = pending(g.a, "st")
    assert b"3-0" not in [p[0] for p in got]
    # 3-0 counted in COUNT 2 (Redis 7.0); JUSTID counts no delivery.
    assert [(p[0], p[3]) for p in got if p[1] == b"c3"] == [(b"4-0", 1)], got
    g.same_groups("st")
    g.same_deliveries_as_redis("st")
    # Nothing left to claim: the consumer is made, or not, as Redis does.
    g.with_b_late("XAUTOCLAIM", "st", "g", "c4", "3600000", "0-0")
    g.same_groups("st")
    g.same_deliveries_as_redis("st")
    assert int(g.d.info()["commands_leader_first"]) == 4


def test_group_commands_keep_their_place_among_pipelined_writes(groups):
    # Connections pipeline XADD, XREADGROUP, XACK of an earlier delivery,
    # XAUTOCLAIM and SPOP: each database must see the same order.
    g = groups
    g.both("XGROUP", "CREATE", "st", "g", "$", "MKSTREAM")
    g.both("SADD", "s", *[f"m{i}" for i in range(400)])
    errors = []

    def client(n):
        try:
            with g.d.client() as c:
                for round_ in range(15):
                    reqs = [encode("XADD", "st", "*", "from", str(n)),
                            encode("XREADGROUP", "GROUP", "g", f"c{n}", "COUNT", "2", "STREAMS", "st", ">"),
                            encode("SPOP", "s"),
                            encode("XAUTOCLAIM", "st", "g", f"c{n}", "0", "0-0", "COUNT", "1", "JUSTID"),
                            encode("XADD", "st", "*", "again", str(round_))]
                    c.send_raw(b"".join(reqs))
                    replies = [c.read_reply() for _ in reqs]
                    assert not any(isinstance(r, ReplyError) for r in replies), replies
                    claimed = replies[3][1]
                    if claimed:
                        # Another client may have claimed and acknowledged it first.
                        assert c.command("XACK", "st", "g", *claimed) in range(len(claimed) + 1)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"client {n}: {e!r}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    g.settled()
    state = g.same_groups("st")
    assert state[0][b"entries-read"] > 0
    with g.a.client() as a, g.b.client() as b:
        assert a.command("XRANGE", "st", "-", "+") == b.command("XRANGE", "st", "-", "+")
        assert sorted(a.command("SMEMBERS", "s")) == sorted(b.command("SMEMBERS", "s"))


def test_a_follower_that_lost_its_connection_gets_the_group_reads_from_the_journal(procs, tmp_path):
    a, b = start_database(procs), start_database(procs)
    d = start_journal_dbsyncd(procs, [a, b], tmp_path / "journal", ["--ack", "one"], metrics=False)
    wait_caught_up(d)
    with d.client() as c:
        for i in range(1, 21):
            c.command("XADD", "st", f"{i}-0", "n", str(i))
        assert c.command("XGROUP", "CREATE", "st", "g", "0") == "OK"
    with b.client() as c:
        assert c.command("CLIENT", "PAUSE", 2000, "WRITE") == "OK"
    with d.client() as c:
        for i in range(8):
            assert len(c.command("XREADGROUP", "GROUP", "g", f"c{i % 3}", "COUNT", "2", "STREAMS", "st", ">")[0][1]) == 2
        assert len(c.command("XAUTOCLAIM", "st", "g", "c9", "0", "0-0", "COUNT", "3")[1]) == 3
        with b.client() as kb:
            assert kb.command("CLIENT", "KILL", "TYPE", "normal") >= 1
    info = wait_caught_up(d, timeout=30)
    assert int(info["db1"]["replayed"]) > 0, "b lost its connection: the reads come from the journal"
    assert groups_state(a, "st") == groups_state(b, "st")
    assert len(pending(b, "st")) == 16
    assert digest(a) == digest(b)


def test_a_transaction_holding_leader_first_commands_runs_on_the_leader_first(groups):
    # SPOP, XADD * and XREADGROUP inside MULTI: the leader runs the whole
    # transaction, the others its effect (docs/dbsyncd.md, "Leader-first
    # commands"), contiguous on every database.
    g = groups
    g.both("SADD", "s", *[f"m{i}" for i in range(50)])
    g.both("XGROUP", "CREATE", "st", "g", "$", "MKSTREAM")
    g.both("SET", "str", "x")
    with stopped(g.b):
        t0 = now_ms()
        with g.d.client() as c:
            replies = c.pipeline([("MULTI",), ("SADD", "s", "extra"), ("SPOP", "s", "3"), ("XADD", "st", "*", "f", "v"),
                                  ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "st", ">"), ("SPOP", "str"),
                                  ("XADD", "st", "*", "f", "w"), ("INCR", "n"), ("EXEC",)])
        t1 = now_ms()
        wait_until(lambda: now_ms() >= t1 + 3, 5, "the clock to move 3 ms past A's execution")
    g.settled()
    assert replies[:8] == ["OK"] + ["QUEUED"] * 7
    added, popped, first_id, read, wrongtype, second_id, n = replies[8]
    assert added == 1 and len(popped) == 3 and n == 1
    assert isinstance(wrongtype, ReplyError) and wrongtype.startswith("WRONGTYPE"), wrongtype
    assert read == [[b"st", [[first_id, [b"f", b"v"]]]]]
    with g.a.client() as a, g.b.client() as b:
        assert sorted(a.command("SMEMBERS", "s")) == sorted(b.command("SMEMBERS", "s"))
        assert not set(popped) & set(b.command("SMEMBERS", "s"))
        assert [e[0] for e in b.command("XRANGE", "st", "-", "+")] == [first_id, second_id]
        assert a.command("GET", "n") == b.command("GET", "n") == b"1"
    assert [(p[0], p[1], p[3]) for p in pending(g.b, "st")] == [(first_id, b"c", 1)]
    assert t0 <= pending(g.b, "st")[0][2] <= t1
    g.same_groups("st")
    assert int(g.d.info()["commands_leader_first"]) == 1
    # A transaction Redis refuses (EXECABORT) changes nothing anywhere.
    with g.d.client() as c:
        aborted = c.pipeline([("MULTI",), ("SPOP", "s"), ("NOSUCHCOMMAND",), ("EXEC",)])
    assert isinstance(aborted[-1], ReplyError) and aborted[-1].startswith("EXECABORT"), aborted
    g.settled()
    with g.a.client() as a, g.b.client() as b:
        assert a.command("SCARD", "s") == b.command("SCARD", "s") == 48
    assert digest(g.a) == digest(g.b)


def test_group_reads_under_kills_of_dbsyncd_deliver_each_entry_once(procs, tmp_path):
    # Four consumers read new entries while dbsyncd is killed twice at
    # random moments. Whatever a database that ends up diverged needs, a
    # resync gives; then every copy holds the same pending entries, each
    # entry answered to a consumer is pending for that consumer, delivered
    # once, and none was answered twice.
    rng = random.Random(f"{SEED}:group-load")
    a, b = start_database(procs, persistent=True), start_database(procs, persistent=True)
    d = start_journal_dbsyncd(procs, [a, b], tmp_path / "journal", ["--ack", "one"])
    wait_caught_up(d)
    with d.client() as c:
        for chunk in range(0, 20000, 500):
            c.pipeline([("XADD", "st", f"{i + 1}-0", "n", str(i)) for i in range(chunk, chunk + 500)])
        assert c.command("XGROUP", "CREATE", "st", "g", "0") == "OK"
    answered, stop, lock = [], threading.Event(), threading.Lock()

    def reader(n):
        while not stop.is_set():
            try:
                with d.client() as c:
                    while not stop.is_set():
                        got = c.command("XREADGROUP", "GROUP", "g", f"c{n}", "COUNT", "2", "STREAMS", "st", ">")
                        if isinstance(got, ReplyError):
                            continue  # no database up yet after a restart
                        with lock:
                            answered.extend((f"c{n}".encode(), e[0]) for e in got[0][1])
            except (OSError, ProtocolFailure):
                continue  # dbsyncd restarting: try again

    kills_under_load(d, [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(4)], answered,
                     stop, rng, "reads answered", NOTE)
    state = groups_state(a, "st")
    assert state == groups_state(b, "st"), f"the consumer groups differ{NOTE}"
    assert digest(a) == digest(b), NOTE
    ids = [i for _, i in answered]
    assert len(ids) == len(set(ids)), f"an entry was answered twice{NOTE}"
    owner = {p[0]: (p[1], p[3]) for p in pending(a, "st")}
    assert all(owner.get(i) == (c, 1) for c, i in answered), f"an answered entry is not pending as answered{NOTE}"
    # What is pending but unanswered was delivered by a read in flight at a kill.
    assert len(owner) - len(answered) <= 2 * 4 * 2, f"{len(owner) - len(answered)} entries delivered unanswered{NOTE}"
