"""Leader-first commands (docs/dbsyncd.md, "Leader-first commands"): SPOP
and XADD with the ID "*" run on one database, and the others get the
effect (SREM of the popped members, XADD with the leader's ID), so every
copy holds the same members and the same stream IDs, in the same order as
every other write, with and without a journal, across lost connections and
kill -9 of dbsyncd. What a user checks: SMEMBERS, XRANGE and DEBUG DIGEST
on every database."""

import os
import random
import signal
import threading

import pytest

from harness import ProtocolFailure, ReplyError, encode, unread_bytes_at, wait_until
from journal_load import (differences, kill9_dbsyncd, restart_dbsyncd, start_database, start_journal_dbsyncd,
                          wait_caught_up, wait_identical)
from test_check import run_check

SEED = int(os.environ.get("DBSYNC_TEST_SEED", "20261202"))
NOTE = f" (DBSYNC_TEST_SEED={SEED})"
DEBUG = ["--enable-debug-command", "yes"]


@pytest.fixture(params=["journal", "no-journal"])
def pair(request, procs, tmp_path):
    a, b = procs.start_redis(2, args=DEBUG)
    args = ["--journal-dir", str(tmp_path / "journal")] if request.param == "journal" else ["--no-journal"]
    d = procs.start_dbsyncd([a, b], args)
    wait_both_up(d)
    return d, a, b


def wait_both_up(d):
    wait_until(lambda: all(d.info()[n]["state"] == "up" for n in ("db0", "db1")), 10, "both databases up")


def wait_settled(d):
    """Both databases have answered everything sent to them: with --ack one
    the client is answered before the follower has the effect."""
    wait_until(lambda: all(d.info()[n]["pending"] == "0" for n in ("db0", "db1")), 10, "both databases settled")


def smembers(r, key):
    with r.client() as c:
        return sorted(c.command("SMEMBERS", key))


def xrange(r, key):
    with r.client() as c:
        return c.command("XRANGE", key, "-", "+")


def digest(r):
    with r.client() as c:
        return c.command("DEBUG", "DIGEST")


def test_spop_pops_the_same_members_from_every_database(pair):
    d, a, b = pair
    members = [f"m{i}" for i in range(200)]
    popped = []
    with d.client() as c:
        assert c.command("SADD", "s", *members) == 200
        for i in range(60):
            if i % 2:
                one = c.command("SPOP", "s")
                popped.append(one.decode())
            else:
                popped += [m.decode() for m in c.command("SPOP", "s", 2)]
    wait_settled(d)
    left = smembers(a, "s")
    assert left == smembers(b, "s"), "the copies popped different members"
    assert len(popped) == len(set(popped)) == 90
    assert sorted(set(popped) | {m.decode() for m in left}) == sorted(members)
    assert digest(a) == digest(b)
    assert int(d.info()["commands_leader_first"]) == 60


def test_spop_answers_as_redis_does_when_nothing_is_popped(pair, procs):
    d, a, b = pair
    plain = procs.start_redis(1)
    for server in (d, plain):
        with server.client() as c:
            assert c.command("SET", "str", "x") == "OK"
    cases = [("SPOP", "nokey"), ("SPOP", "nokey", "3"), ("SPOP", "str"), ("SPOP", "nokey", "-1"),
             ("SPOP", "nokey", "x")]
    for case in cases:
        replies = []
        for server in (d, plain):
            with server.client() as c:
                replies.append(c.command(*case))
        assert replies[0] == replies[1], case
        assert type(replies[0]) is type(replies[1]), case
    wait_settled(d)
    assert digest(a) == digest(b)


def test_xadd_star_gives_every_database_the_leaders_id(pair):
    d, a, b = pair
    ids = []
    with d.client() as c:
        for i in range(50):
            ids.append(c.command("XADD", "st", "*", "n", str(i)))
        ids.append(c.command("XADD", "st", "MAXLEN", "=", "40", "*", "n", "50"))
        ids.append(c.command("XADD", "st", "MAXLEN", "~", "10", "LIMIT", "100", "*", "n", "51"))
        ids.append(c.command("XADD", "st", "NOMKSTREAM", "MINID", "0-1", "*", "n", "52"))
        assert c.command("XADD", "missing", "NOMKSTREAM", "*", "n", "1") is None
        odd = c.command("XADD", "st", "*", "odd")
        assert isinstance(odd, ReplyError) and "wrong number of arguments" in odd, odd
    wait_settled(d)
    entries = xrange(a, "st")
    assert entries == xrange(b, "st")
    assert [e[0] for e in entries] == ids[-len(entries):]
    assert len(entries) == 42  # 40 kept by MAXLEN =, then two more; ~ trims whole nodes only
    assert digest(a) == digest(b)
    assert a.get("missing") is None and b.get("missing") is None


def test_leader_first_commands_keep_their_place_among_pipelined_writes(pair):
    # Several connections each pipeline SADD, SPOP, LPUSH of what they
    # popped, XADD * and INCR: on every database the writes after a
    # leader-first command must see its effect, in one order.
    d, a, b = pair
    errors = []

    def client(n):
        try:
            with d.client() as c:
                for round_ in range(20):
                    cmds = []
                    for j in range(5):
                        cmds += [("SADD", f"set{n}", f"x{round_}-{j}", f"y{round_}-{j}"),
                                 ("SPOP", f"set{n}"),
                                 ("RPUSH", "log", f"{n}:{round_}:{j}"),
                                 ("XADD", "events", "*", "client", str(n)),
                                 ("SPOP", "shared", "1"),
                                 ("INCR", "count")]
                    replies = c.pipeline(cmds)
                    bad = [r for r in replies if isinstance(r, ReplyError)]
                    if bad:
                        errors.append(bad[:3])
        except Exception as e:  # noqa: BLE001 - reported by the test
            errors.append(repr(e))

    with d.client() as c:
        assert c.command("SADD", "shared", *[f"s{i}" for i in range(1000)]) == 1000
    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    wait_settled(d)
    assert a.get("count") == b.get("count") == b"400"
    wait_identical([a, b])
    assert len(xrange(a, "events")) == 400
    assert digest(a) == digest(b)


def test_dbsync_commands_says_which_commands_run_leader_first(pair):
    d, _, _ = pair
    with d.client() as c:
        spop, xadd, sadd = c.command("DBSYNC", "COMMANDS", "spop", "xadd", "sadd")
    assert b"leader-first" in spop and b"SREM" in spop
    assert b"leader-first" in xadd and b"ID *" in xadd
    assert b"leader-first" not in sadd


# ------------------------------------------------------------ with a journal


def test_a_follower_that_lost_its_connection_gets_the_effects_from_the_journal(procs, tmp_path):
    a, b = start_database(procs), start_database(procs)
    d = start_journal_dbsyncd(procs, [a, b], tmp_path / "journal", ["--ack", "one"])
    wait_caught_up(d)
    with b.client() as c:
        assert c.command("CLIENT", "PAUSE", 2000, "WRITE") == "OK"
    popped, ids = [], []
    with d.client() as c:
        assert c.command("SADD", "s", *[f"m{i}" for i in range(100)]) == 100
        for i in range(40):
            popped.append(c.command("SPOP", "s"))
            ids.append(c.command("XADD", "st", "*", "n", str(i)))
        with b.client() as kb:
            assert kb.command("CLIENT", "KILL", "TYPE", "normal") >= 1
    info = wait_caught_up(d, timeout=30, note=NOTE)
    assert int(info["db1"]["replayed"]) > 0, "b lost its connection: the effects come from the journal"
    wait_identical([a, b], note=NOTE)
    assert [e[0] for e in xrange(b, "st")] == ids
    assert not set(popped) & set(smembers(b, "s"))


def test_a_leader_that_applied_a_command_whose_reply_was_lost_is_diverged(procs, tmp_path):
    a, b = start_database(procs), start_database(procs)
    d = start_journal_dbsyncd(procs, [a, b], tmp_path / "journal", ["--ack", "one", "--db-timeout", "300"])
    wait_caught_up(d)
    with d.client() as c:
        assert c.command("SADD", "s", "a", "b", "c", "d") == 4
    # The leader (a, first in -d) takes the SPOP and stops before answering:
    # dbsyncd gives up after --db-timeout; a runs it once it goes on.
    a.proc.send_signal(signal.SIGSTOP)
    try:
        with d.client() as c:
            r = c.command("SPOP", "s")
            assert isinstance(r, ReplyError) and "outcome unknown" in r, r
    finally:
        a.proc.send_signal(signal.SIGCONT)
    wait_until(lambda: d.info()["db0"]["state"] == "diverged", 10, "a diverged")
    assert "shows it applied it" in d.log()
    assert len(smembers(a, "s")) == 3 and len(smembers(b, "s")) == 4
    # b carries on alone, and is read from.
    with d.client() as c:
        assert c.command("SCARD", "s") == 4
        assert c.command("SPOP", "s") is not None
    assert len(smembers(b, "s")) == 3


def test_dbsyncd_killed_while_the_leader_runs_a_command(procs, tmp_path):
    # The leader applied the SPOP after dbsyncd died, before its effect was
    # journaled: at the next start it holds a write the journal lacks, so
    # the follower is diverged (never silently different), and a resync
    # makes it identical again.
    a, b = start_database(procs, persistent=True), start_database(procs, persistent=True)
    d = start_journal_dbsyncd(procs, [a, b], tmp_path / "journal", ["--ack", "one"])
    wait_caught_up(d)
    with d.client() as c:
        assert c.command("SADD", "s", "a", "b", "c", "d") == 4
    a.proc.send_signal(signal.SIGSTOP)
    try:
        c = d.client()
        c.send_raw(encode("SPOP", "s"))
        wait_until(lambda: int(d.info()["commands_leader_first"]) == 1, 10, "the SPOP sent to a")
        # Written, not only queued (--db-batch-wait may hold it a moment).
        wait_until(lambda: unread_bytes_at(a.port) > 0, 10, "the SPOP in a's socket")
        kill9_dbsyncd(d)
        c.close()
    finally:
        a.proc.send_signal(signal.SIGCONT)
    wait_until(lambda: len(smembers(a, "s")) == 3, 10, "a ran the SPOP")
    restart_dbsyncd(d)
    wait_until(lambda: d.info()["db1"]["state"] == "diverged", 10, "b diverged")
    assert d.info()["db0"]["state"] == "up"
    # Started again with no write in between: a, which holds the write the
    # journal lost, is still the one that is right.
    kill9_dbsyncd(d)
    restart_dbsyncd(d)
    wait_until(lambda: d.info()["db1"]["state"] == "diverged", 10, "b diverged")
    assert d.info()["db0"]["state"] == "up", d.log_tail(3000)
    r = run_check("--resync", "db1", "--from-dbsyncd", f"127.0.0.1:{d.port}", "--resync-timeout", "60")
    assert r.returncode == 0, r.stdout + r.stderr + d.log_tail(4000)
    wait_caught_up(d, timeout=30)
    wait_identical([a, b])


def kills_under_load(d, threads, answered, stop, rng, what, note=NOTE):
    """Starts `threads` (each appends what was answered to `answered` until
    `stop` is set), kill -9s dbsyncd twice at random moments of the load
    and restarts it, lets 500 more be answered, stops them, resyncs a
    database the crash window left diverged, and waits until every one has
    caught up."""
    for t in threads:
        t.start()
    for _ in range(2):
        target = len(answered) + rng.randrange(200, 2000)
        wait_until(lambda: len(answered) >= target, 60, what)
        kill9_dbsyncd(d)
        restart_dbsyncd(d)
    target = len(answered) + 500
    wait_until(lambda: len(answered) >= target, 60, what + " after the restarts")
    stop.set()
    for t in threads:
        t.join(30)
    for name in ("db0", "db1"):
        if d.info()[name]["state"] == "diverged":
            r = run_check("--resync", name, "--from-dbsyncd", f"127.0.0.1:{d.port}", "--resync-timeout", "60")
            assert r.returncode == 0, r.stdout + r.stderr
    wait_caught_up(d, timeout=30, note=note)


def test_spop_load_with_kills_of_dbsyncd_pops_each_member_once(procs, tmp_path):
    # Four connections SPOP from one set while dbsyncd is killed twice at
    # random moments. Whatever a database that ends up diverged needs, a
    # resync gives; then every copy holds the same members, no member
    # answered to a client is left anywhere, and none was answered twice.
    rng = random.Random(f"{SEED}:spop-load")
    a, b = start_database(procs, persistent=True), start_database(procs, persistent=True)
    d = start_journal_dbsyncd(procs, [a, b], tmp_path / "journal", ["--ack", "one"])
    wait_caught_up(d)
    members = {f"m{i}" for i in range(20000)}
    with d.client() as c:
        for chunk in range(0, 20000, 1000):
            assert c.command("SADD", "s", *[f"m{i}" for i in range(chunk, chunk + 1000)]) == 1000
    answered, stop, lock = [], threading.Event(), threading.Lock()

    def popper():
        while not stop.is_set():
            try:
                with d.client() as c:
                    while not stop.is_set():
                        got = c.command("SPOP", "s", "2")
                        if isinstance(got, ReplyError):
                            continue  # no database up yet after a restart
                        with lock:
                            answered.extend(m.decode() for m in got)
            except (OSError, ProtocolFailure):
                continue  # dbsyncd restarting: try again

    kills_under_load(d, [threading.Thread(target=popper, daemon=True) for _ in range(4)], answered, stop, rng,
                     "SPOPs answered")
    wait_identical([a, b], note=NOTE + "\ndbsyncd log (tail):\n" + d.log_tail(4000))
    assert len(answered) == len(set(answered)), f"a member was answered twice{NOTE}"
    left = {m.decode() for m in smembers(a, "s")}
    assert not left & set(answered), f"answered members still in the set{NOTE}"
    # What is neither answered nor left was popped by a SPOP in flight at a kill.
    lost = members - left - set(answered)
    assert len(lost) <= 2 * 4 * 2, f"{len(lost)} members vanished unanswered{NOTE}"
    assert not differences([a, b])


def test_a_follower_that_refuses_the_effect_is_counted_and_logged(procs):
    # b already holds an entry far in the future (written past dbsyncd): the
    # leader's ID is too small for it, so the copies now differ, and dbsyncd
    # says so rather than hiding it behind the leader's success.
    a, b = procs.start_redis(2)
    d = procs.start_dbsyncd([a, b], ["--no-journal"])
    wait_both_up(d)
    with b.client() as c:
        assert c.command("XADD", "st", "99999999999999-0", "n", "0") == b"99999999999999-0"
    with d.client() as c:
        assert isinstance(c.command("XADD", "st", "*", "n", "1"), bytes)
    wait_until(lambda: int(d.info()["replies_divergent"]) == 1, 10, "the refused effect counted")
    assert "answered a write differently: XADD st" in d.log()


def test_pipelined_leader_first_commands_go_to_the_leader_together(pair):
    # Leader-first commands that come while others are in flight join them:
    # the effects still reach the other database one by one, in order.
    d, a, b = pair
    with d.client() as c:
        assert c.command("SADD", "s", *[f"m{i}" for i in range(500)]) == 500
        replies = c.pipeline([("SPOP", "s") if i % 2 else ("XADD", "st", "*", "i", str(i)) for i in range(400)])
    wait_settled(d)
    popped = [r for i, r in enumerate(replies) if i % 2]
    ids = [r for i, r in enumerate(replies) if not i % 2]
    assert len(set(popped)) == 200 and all(isinstance(p, bytes) for p in popped)
    assert [e[0] for e in xrange(b, "st")] == ids
    assert xrange(a, "st") == xrange(b, "st")
    assert smembers(a, "s") == smembers(b, "s")
    assert not set(popped) & set(smembers(b, "s"))
    assert digest(a) == digest(b)
