"""SCRIPT KILL and FUNCTION KILL through dbsyncd stop a runaway script on
every database.

The script runs on dbsyncd's shared connection to each database, so a kill
sent on that connection would wait behind the script forever; dbsyncd sends
each kill on a connection of its own, which Redis serves while busy."""

import pytest

from harness import encode, wait_until

SPIN = "while true do end"
LIBRARY = "#!lua name=spinlib\nredis.register_function('spin', function() while true do end end)"
NOTBUSY = b"-NOTBUSY No scripts in execution right now.\r\n"
KILLED = b"-ERR Script killed by user with SCRIPT KILL..."
BUSY_ARGS = ["--busy-reply-threshold", "100"]


def busy(r):
    """True once the database answers -BUSY: a script is running there."""
    with r.client(timeout=5) as c:
        reply = c.command("PING")
    return isinstance(reply, str) and reply.startswith("BUSY")


def run_and_kill(d, dbs, start, kill):
    with d.client() as runner, d.client() as killer:
        runner.send_raw(start)
        wait_until(lambda: all(busy(r) for r in dbs), 10, "the script to run on every database")
        assert killer.raw_command(*kill) == b"+OK\r\n"
        reply = runner.read_raw_reply()
        assert reply.startswith(KILLED) and reply.endswith(b"\r\n"), reply
        # Every database is usable again, through dbsyncd and directly.
        assert runner.command("SET", "after:kill", "v") == "OK"
        assert killer.command("GET", "after:kill") == b"v"
    for r in dbs:
        assert r.get("after:kill") == b"v"
    info = d.info()
    for name in ("db0", "db1"):
        assert info[name]["state"] == "up" and info[name]["reconnects"] == "0", info[name]


@pytest.fixture
def setup(procs):
    dbs = procs.start_redis(2, args=BUSY_ARGS)
    d = procs.start_dbsyncd(dbs, args=["--db-timeout", "20000"])
    return d, dbs


def test_script_kill_stops_a_runaway_script(setup):
    d, dbs = setup
    run_and_kill(d, dbs, encode("EVAL", SPIN, "0"), ("SCRIPT", "KILL"))


def test_script_kill_with_nothing_running_is_notbusy(setup):
    d, dbs = setup
    with d.client() as c:
        assert c.raw_command("SCRIPT", "KILL") == NOTBUSY
        assert c.raw_command("FUNCTION", "KILL") == NOTBUSY
        assert c.command("PING") == "PONG"


def test_function_kill_stops_a_runaway_function(setup):
    d, dbs = setup
    with d.client() as c:
        assert c.command("FUNCTION", "LOAD", LIBRARY) == b"spinlib"
    run_and_kill(d, dbs, encode("FCALL", "spin", "0"), ("FUNCTION", "KILL"))


def test_script_kill_authenticates_its_own_connection(procs):
    dbs = procs.start_redis(2, args=BUSY_ARGS, password="s3cret")
    d = procs.start_dbsyncd([f"redis://default:s3cret@127.0.0.1:{r.port}" for r in dbs],
                            args=["--db-timeout", "20000"])
    run_and_kill(d, dbs, encode("EVAL", SPIN, "0"), ("SCRIPT", "KILL"))
    with d.client() as c:
        assert c.raw_command("SCRIPT", "KILL") == NOTBUSY
