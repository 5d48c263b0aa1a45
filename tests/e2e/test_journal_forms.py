"""How writes travel with a journal (docs/design.md, "The journal"): what is
journaled and what is not, the applied marker every database holds, and
that the databases end up identical, marker included."""

import pytest

from harness import ReplyError, wait_until

DEBUG = ["--enable-debug-command", "yes"]


def journal_info(d):
    info = d.info()
    return int(info["journal_head_seq"]), info


def markers(dbs, key):
    return [r.get(key) for r in dbs]


def digests(dbs):
    out = []
    for r in dbs:
        with r.client() as c:
            out.append(c.command("DEBUG", "DIGEST"))
    return out


@pytest.fixture
def journaled(procs, tmp_path):
    dbs = procs.start_redis(2, args=DEBUG)
    d = procs.start_dbsyncd(dbs, ["--journal-dir", str(tmp_path / "journal")])
    return d, dbs


def test_the_start_log_says_where_the_journal_is(journaled, procs):
    d, dbs = journaled
    info = d.info()
    assert info["journal"] == "on"
    assert "journal in " + info["journal_dir"] in d.log()
    assert "dbsync:applied:" + info["journal_instance"] in d.log()
    plain = procs.start_dbsyncd(dbs)
    assert "no journal" in plain.log()
    assert plain.info()["journal"] == "off"


def test_every_database_holds_the_same_marker_and_the_same_data(journaled):
    d, dbs = journaled
    with d.client() as c:
        for i in range(50):
            assert c.command("SET", f"k{i}", "v") == "OK"
            assert c.command("INCR", "n") == i + 1
            assert c.command("RPUSH", "l", str(i)) == i + 1
        assert c.command("MULTI") == "OK"
        assert c.command("INCR", "n") == "QUEUED"
        assert c.command("HSET", "h", "f", "v") == "QUEUED"
        assert c.command("EXEC") == [51, 1]
        head, info = journal_info(d)
    key = "dbsync:applied:" + info["journal_instance"]
    wait_until(lambda: markers(dbs, key) == [str(head).encode()] * 2, 5, "both markers at the journal's head")
    assert digests(dbs)[0] == digests(dbs)[1]
    for name in ("db0", "db1"):
        assert info[name]["state"] == "up"
    wait_until(lambda: all(d.info()[n]["applied_seq"] == str(head) for n in ("db0", "db1")), 5, "applied")


def test_administration_is_not_journaled_and_scripts_are(journaled):
    d, dbs = journaled
    with d.client() as c:
        head, _ = journal_info(d)
        assert c.command("CONFIG", "SET", "maxmemory-policy", "noeviction") == "OK"
        assert journal_info(d)[0] == head
        assert c.command("EVAL", "return redis.call('INCR', KEYS[1])", "1", "s") == 1
        assert journal_info(d)[0] == head + 1
    for r in dbs:
        assert r.get("s") == b"1"


def test_flushall_keeps_the_marker(journaled):
    d, dbs = journaled
    with d.client() as c:
        assert c.command("SET", "a", "1") == "OK"
        assert c.command("FLUSHALL") == "OK"
        head, info = journal_info(d)
    key = "dbsync:applied:" + info["journal_instance"]
    for r in dbs:
        with r.client() as rc:
            assert rc.command("KEYS", "*") == [key.encode()]
        assert r.get(key) == str(head).encode()


def test_a_queue_time_error_is_redis_own_and_applies_nothing(journaled, procs):
    d, dbs = journaled
    bare = procs.start_redis(1)
    with bare.client() as c:
        expected = c.command("INCR", "a", "b")
    with d.client() as c:
        got = c.command("INCR", "a", "b")
        assert isinstance(got, ReplyError) and str(got) == str(expected)
        assert c.command("INCR", "a") == 1
    for r in dbs:
        assert r.get("a") == b"1"
