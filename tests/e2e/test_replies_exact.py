"""Replies reach the client exactly as Redis sent them, byte for byte.

Each command's raw reply through dbsyncd (two databases) is compared with
the raw reply of a database asked directly: null arrays stay null arrays,
replies nest as deep as Redis makes them (COMMAND DOCS, which redis-cli 7
sends when it starts), large bulks arrive whole. After each one a second
client's commands still work and no database connection was lost."""

import collections
import subprocess

import pytest

from harness import REDIS_CLI, encode

DEEP_SCRIPT = "return {{{{{{{{{{1}}}}}}}}}}"  # ten levels of arrays
BIG = b"x" * (5 << 20)

# (setup commands run directly on every database, the command compared)
CASES = [
    pytest.param([], ("LPOP", "nokey", "1"), id="lpop-count-null-array"),
    pytest.param([], ("LMPOP", "1", "nokey", "LEFT"), id="lmpop-null-array"),
    pytest.param([], ("XREAD", "STREAMS", "nokey", "0"), id="xread-null-array"),
    pytest.param([], ("GEOPOS", "nokey", "m"), id="geopos-null-array-inside"),
    pytest.param([], ("EVAL", DEEP_SCRIPT, "0"), id="eval-ten-levels"),
    pytest.param([], ("EVAL", "return {1, false, {}, 'two', {err='E oops'}}", "0"), id="eval-mixed"),
    pytest.param([], ("COMMAND", "DOCS"), id="command-docs"),
    pytest.param([], ("COMMAND", "DOCS", "GET", "SET"), id="command-docs-some"),
    pytest.param([], ("COMMAND",), id="command"),
    pytest.param([("SET", "big", BIG)], ("GET", "big"), id="bulk-5mib"),
    pytest.param([], ("LRANGE", "nokey", "0", "-1"), id="empty-array"),
    pytest.param([], ("GET", "nokey"), id="null-bulk"),
    pytest.param([("SET", "s", "text")], ("INCR", "s"), id="error-reply"),
    pytest.param([], ("NOSUCHCOMMAND", "a"), id="unknown-command-error"),
    pytest.param([("SET", "empty", "")], ("GET", "empty"), id="empty-bulk"),
    pytest.param([("RPUSH", "l", "a", "b", "c")], ("LRANGE", "l", "0", "-1"), id="array-of-bulks"),
]


def reply_end(raw, pos):
    """Where the RESP2 reply that starts at raw[pos] ends."""
    eol = raw.index(b"\r\n", pos)
    kind, n = raw[pos:pos + 1], raw[pos + 1:eol]
    pos = eol + 2
    if kind == b"$" and int(n) >= 0:
        return pos + int(n) + 2
    if kind == b"*":
        for _ in range(max(int(n), 0)):
            pos = reply_end(raw, pos)
    return pos


def same_bytes_in_any_order(a, b):
    """One whole reply each, of the same bytes (the same entries, in an
    order of their own at any depth)."""
    assert reply_end(a, 0) == len(a), "not one whole reply"
    assert a[:a.index(b"\r\n")] == b[:b.index(b"\r\n")], "not as many entries"
    assert len(a) == len(b) and collections.Counter(a) == collections.Counter(b), "not the same bytes"
    return True

# With a journal, a write that must not be applied twice goes inside
# MULTI ... EXEC with its marker (docs/design.md, "The journal"), and its
# reply is taken out of EXEC's array: it must still be Redis's own, byte for
# byte.
@pytest.fixture(params=["no-journal", "journal"])
def setup(procs, request, tmp_path):
    dbs = procs.start_redis(2)
    args = ["--journal-dir", str(tmp_path / "journal")] if request.param == "journal" else []
    d = procs.start_dbsyncd(dbs, args)
    return d, dbs


@pytest.mark.parametrize("prepare,command", CASES)
def test_reply_is_byte_exact(setup, prepare, command):
    d, dbs = setup
    direct = []
    for r in dbs:
        with r.client() as c:
            for p in prepare:
                c.command(*p)
            direct.append(c.raw_command(*command))
    with d.client() as c, d.client() as other:
        through = c.raw_command(*command)
        if command[0] == "COMMAND" and len(command) <= 2:
            # COMMAND and COMMAND DOCS list commands and their subcommands
            # in the order of the server's dicts, which can change from one
            # call to the next while a dict rehashes: the same bytes, in
            # entries of any order.
            assert same_bytes_in_any_order(through, direct[0])
        else:
            assert through in direct, (through[:300], direct[0][:300])
        # The connection is still in step: the next reply is the next one.
        assert c.raw_command("ECHO", "after") == b"$5\r\nafter\r\n"
        assert other.command("SET", "other:k", "v") == "OK"
        assert other.command("GET", "other:k") == b"v"
        info = d.info()
        for name in ("db0", "db1"):
            assert info[name]["state"] == "up", info[name]
            assert info[name]["reconnects"] == "0", info[name]


def test_pipelined_deep_and_null_replies_keep_their_order(setup):
    d, dbs = setup
    commands = [("LPOP", "nokey", "1"), ("EVAL", DEEP_SCRIPT, "0"), ("GET", "nokey"),
                ("XREAD", "STREAMS", "nokey", "0"), ("ECHO", "last")] * 20
    with dbs[0].client() as c:
        expected = [c.raw_command(*cmd) for cmd in commands]
    with d.client() as c:
        c.send_raw(b"".join(encode(*cmd) for cmd in commands))
        assert [c.read_raw_reply() for _ in commands] == expected


def test_redis_cli_piped(setup, tmp_path):
    d, dbs = setup
    script = tmp_path / "cmds.txt"
    script.write_text("SET piped:k hello\nGET piped:k\nLPOP nokey 1\nEVAL \"%s\" 0\n" % DEEP_SCRIPT)
    with open(script) as f:
        r = subprocess.run([REDIS_CLI, "-p", str(d.port)], stdin=f, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["OK", "hello", "", "1"], r.stdout
    for r_ in dbs:
        assert r_.get("piped:k") == b"hello"
    info = d.info()
    assert [info[n]["reconnects"] for n in ("db0", "db1")] == ["0", "0"]
    assert [info[n]["state"] for n in ("db0", "db1")] == ["up", "up"]

# redis-cli on a terminal (interactive start sends COMMAND DOCS too) is
# tested in test_real_clients.py::test_redis_cli_interactive.
