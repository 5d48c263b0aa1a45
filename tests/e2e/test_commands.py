"""Commands dbsyncd answers itself or refuses, and DBSYNC INFO."""

import re

import pytest

from harness import DBSYNCD, ReplyError, free_port, wait_until

UNSUPPORTED = [
    ("SELECT", "1"),
    ("AUTH", "secret"),
    ("HELLO", "3"),
    ("WATCH", "k"),
    ("SUBSCRIBE", "ch"),
    ("PSUBSCRIBE", "ch*"),
    ("MONITOR",),
    ("CLIENT", "LIST"),
    ("BLPOP", "list", "1"),
    ("BRPOP", "list", "1"),
    ("BLMOVE", "a", "b", "LEFT", "RIGHT", "1"),
    ("SYNC",),
    ("PSYNC", "?", "-1"),
]


@pytest.mark.parametrize("cmd", UNSUPPORTED, ids=[c[0] for c in UNSUPPORTED])
def test_unsupported_command_is_refused_by_name(procs, redis3, proxy3, cmd):
    with proxy3.client(timeout=10) as c:
        reply = c.command(*cmd)
        assert isinstance(reply, ReplyError), f"{cmd[0]} got {reply!r}"
        assert reply.startswith("ERR "), reply
        assert cmd[0] in reply.upper(), f"the error should name {cmd[0]}: {reply!r}"
        assert "not supported" in reply, reply
        # The same connection goes on working, still on database 0.
        assert c.command("SET", "after", cmd[0]) == "OK"
        assert c.command("GET", "after") == cmd[0].encode()
    for r in redis3:
        assert r.get("after") == cmd[0].encode(), r.name


def test_unsupported_command_in_lowercase(procs, redis3, proxy3):
    with proxy3.client() as c:
        reply = c.command("select", "2")
        assert isinstance(reply, ReplyError) and "SELECT" in reply.upper(), reply
        assert c.command("SET", "k", "v") == "OK"
    # SELECT must not have reached a database: the key is in db 0.
    for r in redis3:
        assert r.get("k") == b"v"
        assert r.get("k", db=2) is None


def test_dbsync_info_fields(procs, redis3):
    d = procs.start_dbsyncd(redis3, ["--ack", "all"])
    with d.client() as c:
        for i in range(5):
            assert c.command("SET", f"i{i}", i) == "OK"
        assert isinstance(c.command("SELECT", "1"), ReplyError)
        info = d.info()
        for key in ("version", "uptime_seconds", "ack", "connected_clients", "rejected_clients",
                    "commands_forwarded", "commands_failed", "commands_rejected", "replies_divergent"):
            assert key in info, f"DBSYNC INFO lacks {key}: {sorted(info)}"
        assert info["ack"] == "all"
        assert int(info["uptime_seconds"]) >= 0
        assert int(info["connected_clients"]) >= 1
        assert int(info["commands_forwarded"]) >= 5
        assert int(info["commands_rejected"]) >= 1
        assert int(info["rejected_clients"]) == 0
        dbs = sorted(k for k in info if re.fullmatch(r"db\d+", k))
        assert len(dbs) == 3, f"one dbN line per database expected: {dbs}"
        for k, r in zip(dbs, redis3):
            db = info[k]
            for field in ("address", "state", "pending", "ok", "failed", "reconnects", "latency_us",
                          "last_error"):
                assert field in db, f"{k} lacks {field}: {db}"
            assert str(r.port) in db["address"], f"{k} should be {r.name}: {db}"
            assert db["state"] == "up", db
            assert int(db["ok"]) >= 5, db
            assert int(db["pending"]) >= 0 and int(db["reconnects"]) >= 0 and int(db["latency_us"]) >= 0

        # One database lost: with ack all the next write fails, and INFO shows it.
        redis3[2].kill()
        reply = c.command("SET", "after-kill", "v")
        assert isinstance(reply, ReplyError), reply
    wait_until(lambda: d.info()[dbs[2]]["state"] in ("down", "connecting"), 10, "the killed database shown down")
    info = d.info()
    assert int(info["commands_failed"]) >= 1, info
    assert int(info[dbs[2]]["failed"]) >= 1, info[dbs[2]]
    assert info[dbs[2]]["last_error"] != "", info[dbs[2]]
    assert info[dbs[0]]["state"] == "up"


def test_dbsync_info_version_matches_binary(procs, redis3, proxy3):
    import subprocess
    out = subprocess.run([DBSYNCD, "--version"], capture_output=True, text=True, timeout=10).stdout
    assert proxy3.info()["version"] in out


def test_info_shows_a_database_that_is_down(procs, redis3):
    dead = f"redis:127.0.0.1:{free_port()}"
    d = procs.start_dbsyncd([redis3[0], dead], ["--connect-timeout", "300"])
    wait_until(lambda: d.info()["db1"]["state"] in ("down", "connecting"), 10, "db1 to be shown down")
    assert d.info()["db0"]["state"] == "up"
    with d.client() as c:
        assert c.command("SET", "k", "v") == "OK"  # ack one: the live database suffices
