"""The journal: a database that was down, lost its connection or fell over
--db-max-pending gets every write it missed, in order and exactly once,
also across kill -9 of a database or of dbsyncd; one that cannot be caught
up (restarted empty, missed more than --journal-max-bytes) is diverged and
never read from. What an operator checks: the databases end identical
(DEBUG DIGEST, key by key), INCR counters equal the INCRs answered, and
DBSYNC INFO and /metrics say each database's state.

Kill moments are random from a fixed seed (DBSYNC_TEST_SEED overrides it),
printed with every failure."""

import os
import random
import re
import time

import pytest

from harness import wait_until
from journal_load import (INCR_ONLY, CommandLog, Load, differences, kill9_dbsyncd, metric, pipelined,
                          restart_dbsyncd, segment_files, snapshot, start_database,
                          start_journal_dbsyncd, wait_caught_up, wait_identical, wait_not_up, wait_state)

SEED = int(os.environ.get("DBSYNC_TEST_SEED", "20261202"))


@pytest.fixture
def rng(request):
    # Printed: pytest shows a failed test's output, seed included.
    print(f"DBSYNC_TEST_SEED={SEED}")
    return random.Random(f"{SEED}:{request.node.name}")


NOTE = f" (DBSYNC_TEST_SEED={SEED})"


def assert_load_clean(load):
    assert not load.failures, f"load failed{NOTE}: {load.failures[:5]}"
    errors = load.errors()
    assert not errors, f"{len(errors)} writes answered with an error{NOTE}, e.g. {errors[:5]}"


def assert_exact(load, *servers):
    problems = [p for r in servers for p in load.exact_problems(r)]
    assert not problems, f"{len(problems)} counters or lists are not what was answered{NOTE}:\n" + \
        "\n".join(problems[:20])


def error_lines(d, needle):
    """dbsyncd's log lines at level error that contain needle."""
    return [ln for ln in d.log().splitlines()
            if needle in ln and (" error: " in ln or ln.startswith("<3>"))]


def marker(redis, instance):
    return redis.get(f"dbsync:applied:{instance}")


# ------------------------------------------------------ the helpers themselves


def test_comparator_finds_each_kind_of_difference(procs):
    a, b = start_database(procs), start_database(procs)

    def fill(*servers):
        for r in servers:
            with r.client() as c:
                assert c.command("FLUSHALL") == "OK"
                c.pipeline([("SET", "s", "v"), ("RPUSH", "l", 1, 2, 3), ("HSET", "h", "f", "v"),
                            ("SADD", "set", "x", "y"), ("ZADD", "z", 1, "m"),
                            ("PEXPIREAT", "s", 4102444800000),
                            # Hash tables: DUMP orders their members per process.
                            ("HSET", "bigh", *[x for i in range(200) for x in (f"f{i}", i)]),
                            ("SADD", "bigset", *[f"m{i}" for i in range(200)])])

    fill(a, b)
    assert differences([a, b]) == []
    changes = {
        "value": (("SET", "s", "w"), ("PEXPIREAT", "s", 4102444800000)),
        "ttl": (("PEXPIREAT", "s", 4102444800001),),
        "no ttl": (("PERSIST", "s"),),
        "missing": (("DEL", "l"),),
        "extra": (("SET", "more", "1"),),
        "type": (("DEL", "h"), ("SET", "h", "v")),
        "element": (("RPUSH", "l", 4),),
        "member": (("SADD", "set", "z"),),
        "field": (("HSET", "bigh", "f7", "changed"),),
        "big member": (("SREM", "bigset", "m7"),),
    }
    expect = {"value": "value", "ttl": "pexpiretime", "no ttl": "pexpiretime", "missing": "only on redis0",
              "extra": "only on redis1", "type": "type", "element": "value",
              "member": "value", "field": "value", "big member": "value"}
    for name, cmds in changes.items():
        fill(a, b)
        with b.client() as c:
            c.pipeline(list(cmds))
        found = differences([a, b])
        assert found, f"{name}: no difference found"
        assert any(expect[name] in p for p in found), (name, found)
        if name != "ttl" and name != "no ttl":
            assert any("DEBUG DIGEST" in p for p in found), (name, found)


def test_load_without_faults_leaves_identical_databases_and_exact_counters(procs, tmp_path, rng):
    a, b = start_database(procs), start_database(procs)
    d = start_journal_dbsyncd(procs, [a, b], tmp_path / "journal")
    applied_before = int(wait_caught_up(d)["db0"]["applied_seq"])
    with Load(d.port, connections=20, seed=SEED) as load:
        load.wait_answered(3000)
    assert_load_clean(load)
    assert load.unknown() == 0
    info = wait_caught_up(d)
    wait_identical([a, b], note=NOTE)
    assert_exact(load, a, b)
    # The marker names the last write each database applied: equal everywhere.
    instance = info["journal_instance"]
    assert re.fullmatch(r"[0-9a-f]+", instance), instance
    assert marker(a, instance) == marker(b, instance) == info["db0"]["applied_seq"].encode()
    assert int(info["db0"]["applied_seq"]) <= int(info["journal_head_seq"])
    assert int(info["db0"]["applied_seq"]) - applied_before >= load.answered(), "a sequence number per write"


# ------------------------------------------------------------------ INFO


def test_journal_dir_is_made_and_described_in_info(procs, tmp_path):
    a = start_database(procs)
    jdir = tmp_path / "journal"  # does not exist yet
    d = start_journal_dbsyncd(procs, [a], jdir, ["--journal-fsync", "always"])
    with d.client() as c:
        assert c.pipeline([("SET", f"k{i}", i) for i in range(10)]) == ["OK"] * 10
    info = wait_caught_up(d)
    assert info["journal"] == "on"
    assert os.path.samefile(info["journal_dir"], jdir)
    assert info["journal_fsync"] == "always"
    assert int(info["journal_head_seq"]) >= 10
    assert int(info["journal_fsyncs"]) >= 1
    assert int(info["journal_write_errors"]) == 0 and int(info["journal_writes_not_journaled"]) == 0
    assert int(info["journal_bytes"]) > 0 and int(info["journal_segments"]) >= 1
    assert int(info["journal_segments"]) == len(segment_files(jdir)), os.listdir(jdir)
    for field in ("applied_seq", "behind_entries", "behind_bytes", "behind_seconds", "replayed"):
        assert field in info["db0"], (field, info["db0"])
    assert marker(a, info["journal_instance"]) == info["db0"]["applied_seq"].encode()


@pytest.mark.parametrize("args", [["--no-journal"], []], ids=["no-journal", "no-journal-dir"])
def test_without_a_journal_the_log_and_info_say_so(procs, args):
    a = start_database(procs)
    d = procs.start_dbsyncd([a], args)
    wait_until(lambda: "no journal" in d.log(), 10, "the start log to say 'no journal'")
    info = d.info()
    assert info["journal"] == "off", info.get("journal")
    with d.client() as c:
        assert c.command("SET", "k", "v") == "OK"
    assert a.get("k") == b"v"


# ------------------------------------------------------------------ kill -9


def test_database_killed_three_times_under_load_gets_every_write_once(procs, tmp_path, rng):
    a, b = start_database(procs, persistent=True), start_database(procs, persistent=True)
    d = start_journal_dbsyncd(procs, [a, b], tmp_path / "journal", ["--ack", "one"])
    with Load(d.port, connections=20, seed=SEED) as load:
        for _ in range(3):
            load.wait_answered(rng.randrange(1000, 10000))
            b.kill()
            load.wait_answered(rng.randrange(1000, 10000))
            b.start()  # same port, same append-only file
        load.wait_answered(rng.randrange(1000, 10000))
    assert_load_clean(load)
    assert load.unknown() == 0
    info = wait_caught_up(d, note=NOTE)
    assert int(info["db1"]["reconnects"]) >= 1
    assert int(info["db1"]["replayed"]) > 0, "b missed writes: they come back from the journal"
    wait_identical([a, b], note=NOTE)
    assert_exact(load, a, b)


@pytest.mark.parametrize("b_down", [False, True], ids=["both-up", "b-down-meanwhile"])
def test_dbsyncd_killed_mid_load_resumes_from_its_journal(procs, tmp_path, rng, b_down):
    a, b = start_database(procs, persistent=True), start_database(procs, persistent=True)
    d = start_journal_dbsyncd(procs, [a, b], tmp_path / "journal", ["--ack", "one"])
    # Errors while dbsyncd restarts are allowed: an INCR answered with one
    # counts as sent, not answered.
    with Load(d.port, connections=20, seed=SEED, reconnect=True, allow_errors=True) as load:
        load.wait_answered(rng.randrange(500, 3000))
        if b_down:
            b.kill()
            load.wait_answered(rng.randrange(500, 3000))
        kill9_dbsyncd(d)
        if b_down:
            b.start()
        restart_dbsyncd(d)  # the clients reconnect and go on
        load.wait_answered(rng.randrange(500, 3000))
    assert not load.failures, f"load failed{NOTE}: {load.failures[:5]}"
    print(f"{len(load.errors())} errors, {load.unknown()} unknown outcomes")
    info = wait_caught_up(d, note=NOTE)
    if b_down:
        assert int(info["db1"]["replayed"]) > 0, "b missed writes: they come back from the journal"
    wait_identical([a, b], note=NOTE)
    # A write in flight at the kill may or may not have been applied; none twice.
    problems = [p for r in (a, b) for p in load.bounded_problems(r)]
    assert not problems, f"{len(problems)} counters outside [answered, sent]{NOTE}:\n" + "\n".join(problems[:20])


# ------------------------------------------------------- dropped connections


def test_database_connections_killed_under_incr_load_lose_and_repeat_nothing(procs, tmp_path, rng):
    a, b = start_database(procs), start_database(procs)
    d = start_journal_dbsyncd(procs, [a, b], tmp_path / "journal", ["--ack", "one"])
    wait_caught_up(d)
    with Load(d.port, connections=20, seed=SEED, mix=INCR_ONLY) as load:
        for _ in range(5):
            load.wait_answered(rng.randrange(300, 2000))
            before = int(d.info()["db1"]["reconnects"])
            with b.client() as c:
                killed = c.command("CLIENT", "KILL", "TYPE", "normal")  # not this one (SKIPME)
            assert killed >= 1, "dbsyncd's connection to b was not there to kill"
            # Back in service before the next kill, so that each kill finds a connection.
            wait_until(lambda: int(d.info()["db1"]["reconnects"]) > before and d.info()["db1"]["state"] == "up",
                       30, "dbsyncd to reconnect to b and catch it up")
        load.wait_answered(1000)
    assert_load_clean(load)
    assert load.unknown() == 0
    wait_caught_up(d, note=NOTE)
    assert_exact(load, a, b)
    wait_identical([a, b], note=NOTE)


def test_database_over_db_max_pending_gets_every_write_it_missed(procs, tmp_path):
    # b is paused for 3 s: under --db-timeout, so it is slow, not dead. One
    # client's pipeline keeps at most 500 requests in flight, so only the
    # paused b goes over --db-max-pending, never a.
    a, b = start_database(procs), start_database(procs)
    d = start_journal_dbsyncd(procs, [a, b], tmp_path / "journal",
                              ["--ack", "one", "--db-max-pending", "1000", "--db-timeout", "10000",
                               "--client-max-inflight", "500"])
    wait_caught_up(d)
    n = 30000
    with b.client() as c:
        assert c.command("CLIENT", "PAUSE", 3000, "WRITE") == "OK"
    with d.client(timeout=30) as c:
        replies = pipelined(c, [("SET", f"k{i}", i) for i in range(n)])
    bad = [(i, r) for i, r in enumerate(replies) if r != "OK"]
    assert not bad, f"{len(bad)} of {n} SETs not answered OK, e.g. {bad[:5]}"
    info = d.info()
    assert int(info["db1"]["overflows"]) > 0, "b was paused: it should have gone over --db-max-pending"
    assert int(info["db0"]["overflows"]) == 0, info["db0"]
    wait_caught_up(d, timeout=60)
    keys = {k for k in snapshot(b) if not k.startswith(b"dbsync:")}
    assert keys == {f"k{i}".encode() for i in range(n)}, f"b holds {len(keys)} of the {n} keys"
    wait_identical([a, b])


def test_incr_answered_with_an_error_is_not_applied_later(procs, tmp_path):
    # As above with the default --client-max-inflight (1024): the pipeline
    # takes a, too, over --db-max-pending 1000. Whatever dbsyncd answers
    # each INCR, a counter must equal the INCRs answered with a success: a
    # client told a write failed may retry it.
    a, b = start_database(procs), start_database(procs)
    d = start_journal_dbsyncd(procs, [a, b], tmp_path / "journal",
                              ["--ack", "one", "--db-max-pending", "1000", "--db-timeout", "10000"])
    wait_caught_up(d)
    n = 30000
    with b.client() as c:
        assert c.command("CLIENT", "PAUSE", 3000, "WRITE") == "OK"
    with d.client(timeout=30) as c:
        replies = pipelined(c, [("INCR", "ctr")] * n)
    succeeded = sum(1 for r in replies if isinstance(r, int))
    errors = sorted({str(r) for r in replies if not isinstance(r, int)})
    wait_caught_up(d, timeout=60)
    for r in (a, b):
        assert int(r.get("ctr") or 0) == succeeded, \
            f"{r.name}: ctr={r.get('ctr')} but {succeeded} of {n} INCRs succeeded; the others got {errors[:3]}"
    wait_identical([a, b])


# ---------------------------------------------------------------- catching up


def test_catching_up_is_visible_and_never_read_from(procs, tmp_path):
    # b first with --read-from first: every read would go to b if it were up.
    # b's pause (3 s) is under --db-timeout: slow, not dead.
    b, a = start_database(procs, persistent=True), start_database(procs, persistent=True)
    d = start_journal_dbsyncd(procs, [b, a], tmp_path / "journal",
                              ["--ack", "one", "--read-from", "first", "--catchup-inflight", "10",
                               "--db-timeout", "10000"])
    with d.client() as c:
        assert c.command("SET", "before", "1") == "OK"
    wait_caught_up(d)
    replayed_before = int(d.info()["db0"]["replayed"])
    b.kill()
    wait_not_up(d, "db0")
    n = 20000
    with d.client(timeout=30) as c:
        replies = pipelined(c, [("INCR", f"c{i % 10}") for i in range(n)])
    assert all(isinstance(r, int) for r in replies), [r for r in replies if not isinstance(r, int)][:3]
    b.start()
    with b.client() as c:
        assert c.command("CLIENT", "PAUSE", 3000, "WRITE") == "OK"  # the replay waits: observable
    fields = wait_state(d, "db0", "catching_up", timeout=3)
    assert int(fields["behind_entries"]) > 0, fields
    assert metric(d, "dbsyncd_database_catching_up", b) == 1
    assert metric(d, "dbsyncd_database_catching_up", a) == 0
    assert metric(d, "dbsyncd_database_behind_entries", b) > 0
    with CommandLog(b) as log, d.client() as c:
        for i in range(200):
            assert c.command("GET", f"c{i % 10}") == str(n // 10).encode()
        assert d.info()["db0"]["state"] == "catching_up", "the window closed before the reads were done"
        assert log.reads() == [], "a database catching up was read from"
    info = wait_caught_up(d, timeout=60)
    for r in (a, b):
        with r.client() as c:
            assert c.pipeline([("GET", f"c{i}") for i in range(10)]) == [str(n // 10).encode()] * 10, r.name
    assert int(info["db0"]["replayed"]) - replayed_before == n, info["db0"]
    wait_identical([b, a])


# ------------------------------------------------------------------- diverged


def test_database_down_past_journal_max_bytes_is_diverged_and_not_read(procs, tmp_path):
    b, a = start_database(procs, persistent=True), start_database(procs, persistent=True)
    d = start_journal_dbsyncd(procs, [b, a], tmp_path / "journal",
                              ["--ack", "one", "--read-from", "first", "--journal-max-bytes", "200000"])
    wait_caught_up(d)
    b.kill()
    wait_not_up(d, "db0")
    value = "x" * 1000
    with d.client(timeout=30) as c:
        replies = pipelined(c, [("SET", f"big{i}", value) for i in range(1100)])  # 1.1 MB
    assert replies == ["OK"] * 1100, "a (up) answers every write"
    wait_state(d, "db0", "diverged", timeout=15)
    assert metric(d, "dbsyncd_database_diverged", b) == 1
    assert metric(d, "dbsyncd_database_diverged", a) == 0
    wait_until(lambda: error_lines(d, str(b.port)), 10, "an error line in the log naming b")
    b.start()
    with CommandLog(b) as log:
        with d.client() as c:
            for i in range(100):
                assert c.command("SET", f"after{i}", i) == "OK"
                assert c.command("GET", f"big{i}") == value.encode()
        # b is back: over a second of reads it must stay diverged and unread.
        states = set()
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:  # the window being measured, not a wait for an event
            states.add(d.info()["db0"]["state"])
            with d.client() as c:
                assert c.command("GET", "after0") == b"0"
        assert states == {"diverged"}, states
        assert log.reads() == [], "a diverged database was read from"
    assert metric(d, "dbsyncd_database_diverged", b) == 1
    assert d.info()["db1"]["state"] == "up"


def test_database_restarted_empty_is_diverged_not_caught_up(procs, tmp_path):
    b, a = start_database(procs), start_database(procs)  # no persistence
    for r in (a, b):  # data from before dbsyncd: no journal holds it
        with r.client() as c:
            assert c.pipeline([("SET", f"pre{i}", i) for i in range(10)]) == ["OK"] * 10
    d = start_journal_dbsyncd(procs, [b, a], tmp_path / "journal", ["--ack", "one", "--read-from", "first"])
    with d.client() as c:
        assert c.pipeline([("SET", f"k{i}", i) for i in range(100)]) == ["OK"] * 100
    wait_caught_up(d)
    b.kill()
    b.start()  # empty: it lost every write it had applied
    try:
        fields = wait_state(d, "db0", "diverged", timeout=15)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nb against a: {differences([b, a])[:4]}") from None
    assert metric(d, "dbsyncd_database_diverged", b) == 1, fields
    with CommandLog(b) as log, d.client() as c:
        assert c.command("SET", "after", "1") == "OK"
        for i in range(10):
            assert c.command("GET", f"pre{i}") == str(i).encode()
            assert c.command("GET", f"k{i}") == str(i).encode()
        assert log.reads() == [], "a diverged database was read from"
    assert d.info()["db0"]["state"] == "diverged"


def test_database_that_timed_out_before_applying_any_write_catches_up(procs, tmp_path):
    # b never applied a write (so it holds no marker): its first writes
    # time out while it is paused, and it loses its connection with them in
    # flight. Nothing was lost: it is caught up, not diverged.
    a, b = start_database(procs), start_database(procs)
    d = start_journal_dbsyncd(procs, [a, b], tmp_path / "journal", ["--ack", "one", "--db-timeout", "500"])
    wait_caught_up(d)
    with b.client() as c:
        assert c.command("CLIENT", "PAUSE", 1500, "WRITE") == "OK"
    with d.client() as c:
        assert c.pipeline([("INCR", "ctr")] * 10) == list(range(1, 11))
    wait_until(lambda: int(d.info()["db1"]["reconnects"]) >= 1, 10, "b's connection to time out and come back")
    info = wait_caught_up(d, timeout=15)
    assert info["db1"]["state"] == "up"
    assert b.get("ctr") == b"10"
    wait_identical([a, b])
