"""MULTI ... EXEC through dbsyncd answers as Redis does.

Each scenario is played on a bare redis-server and through dbsyncd (two
databases); every reply must be the same, and afterwards both databases
hold what the bare one holds."""

import pytest

from harness import ReplyError

# Scenarios: lists of commands, each played on one fresh connection.
SCENARIOS = {
    "unknown-command-answered-at-once": [
        ("MULTI",), ("FOO", "a", "b"), ("SET", "k", "v"), ("EXEC",), ("GET", "k")],
    "unknown-command-long-arguments": [
        ("MULTI",), ("NOSUCH" + "x" * 200, "a" * 100, "b" * 100, "c"), ("FOO", "a\r\nb"), ("DISCARD",)],
    "wrong-arity-answered-at-once": [
        ("MULTI",), ("GET",), ("SET", "k", "v"), ("GET", "a", "b"), ("EXEC",), ("GET", "k")],
    "subcommands": [
        ("multi",), ("CONFIG",), ("CONFIG", "NOPE"), ("config", "get"), ("CONFIG", "GET", "maxmemory"),
        ("xinfo", "help", "x"), ("EXEC",)],
    "exec-with-arguments-ends-the-transaction": [
        ("MULTI",), ("SET", "k", "v"), ("EXEC", "x"), ("EXEC",), ("GET", "k")],
    "discard-with-arguments-keeps-it-open": [
        ("MULTI",), ("SET", "k", "v"), ("DISCARD", "x"), ("SET", "k2", "v"), ("DISCARD",), ("GET", "k")],
    "transaction-commands-outside-multi": [
        ("MULTI", "x"), ("EXEC", "x"), ("DISCARD", "x"), ("EXEC",), ("DISCARD",)],
    "nested-multi-is-an-error-that-does-not-abort": [
        ("MULTI",), ("MULTI",), ("SET", "k", "v"), ("EXEC",), ("GET", "k")],
    "blocking-commands-are-queued": [
        ("MULTI",), ("RPUSH", "l", "a", "b", "c"), ("BLPOP", "l", "1"), ("BRPOPLPUSH", "l", "l2", "5"),
        ("BLMOVE", "l", "l2", "LEFT", "RIGHT", "0"), ("BLPOP", "empty", "0"), ("BZPOPMIN", "z", "1"),
        ("XREAD", "BLOCK", "0", "STREAMS", "s", "$"), ("EXEC",), ("LRANGE", "l2", "0", "-1"), ("EXISTS", "l")],
    "commands-not-allowed-in-multi": [
        ("MULTI",), ("SAVE",), ("SET", "k", "v"), ("EXEC",), ("MULTI",), ("SAVE", "x"), ("DISCARD",)],
    "errors-at-exec-time-are-per-command": [
        ("MULTI",), ("SET", "s", "x"), ("INCR", "s"), ("PING", "a", "b"), ("PING", "hi"), ("SET", "t", "y"),
        ("EXEC",), ("GET", "t")],
}


def play(client, commands):
    return [client.command(*c) for c in commands]


def dump(server, keys):
    with server.client() as c:
        return {k: (c.command("TYPE", k), c.command("DUMP", k)) for k in keys}


# With a journal the marker goes in before EXEC, and its reply is taken out
# of EXEC's array (docs/design.md, "The journal").
@pytest.mark.parametrize("journal", [False, True], ids=["no-journal", "journal"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_transaction_replies_are_redis_own(procs, name, journal, tmp_path):
    dbs = procs.start_redis(2)
    bare = procs.start_redis(1)
    d = procs.start_dbsyncd(dbs, ["--journal-dir", str(tmp_path / "j")] if journal else [])
    commands = SCENARIOS[name]
    with bare.client() as c:
        expected = play(c, commands)
    with d.client() as c:
        got = play(c, commands)
    for cmd, e, g in zip(commands, expected, got):
        assert g == e, f"{cmd[0][:20]}: dbsyncd answered {g!r}, Redis {e!r}"
    keys = ["k", "k2", "l", "l2", "s", "t", "z", "empty"]
    want = dump(bare, keys)
    for r in dbs:
        assert dump(r, keys) == want, r.name


def test_queue_time_error_needs_no_database(procs):
    """The errors come from dbsyncd's table, as soon as the command arrives:
    nothing is sent to a database until EXEC, which is refused as a whole."""
    dbs = procs.start_redis(2)
    d = procs.start_dbsyncd(dbs)
    with d.client() as c:
        assert c.command("MULTI") == "OK"
        assert c.command("SET", "k", "v") == "QUEUED"
        assert c.command("FOO") == "ERR unknown command 'FOO', with args beginning with: "
        assert c.command("INCR", "n") == "QUEUED"
        reply = c.command("EXEC")
        assert reply == "EXECABORT Transaction discarded because of previous errors.", reply
        assert c.command("SET", "after", "1") == "OK", "the connection is out of MULTI"
    for r in dbs:
        assert r.get("k") is None and r.get("n") is None, r.name
        assert r.get("after") == b"1", r.name


def test_blocking_command_outside_multi_is_still_refused(procs):
    dbs = procs.start_redis(2)
    d = procs.start_dbsyncd(dbs)
    with d.client() as c:
        reply = c.command("BRPOPLPUSH", "a", "b", "5")
        assert isinstance(reply, ReplyError) and "BRPOPLPUSH is not supported" in reply, reply
        # And once inside MULTI it is queued, the transaction works.
        assert c.command("MULTI") == "OK"
        assert c.command("BRPOPLPUSH", "a", "b", "5") == "QUEUED"
        assert c.command("SET", "done", "1") == "QUEUED"
        assert c.command("EXEC") == [None, "OK"]
    for r in dbs:
        assert r.get("done") == b"1", r.name


def test_transaction_larger_than_db_max_pending(procs):
    """Redis takes a 10,000-command transaction; --db-max-pending (default
    10000) bounds commands in flight, and a transaction is one of them."""
    dbs = procs.start_redis(2)
    d = procs.start_dbsyncd(dbs)
    n = 10000
    with d.client(timeout=60) as c:
        assert c.command("MULTI") == "OK"
        assert c.pipeline([("INCR", "counter")] * n) == ["QUEUED"] * n
        reply = c.command("EXEC")
        assert isinstance(reply, list), reply
        assert reply == list(range(1, n + 1))
    for r in dbs:
        assert r.get("counter") == str(n).encode(), r.name
