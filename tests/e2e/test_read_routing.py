"""Reads go to one database (--read-from), writes to all: counted on each
real redis-server with INFO commandstats."""

import re
import socket
import threading
import time

from harness import ReplyError, free_port, wait_until


def calls(redis, command):
    """How many times `command` ran on this redis-server since CONFIG RESETSTAT."""
    with redis.client() as c:
        stats = c.command("INFO", "commandstats").decode()
    m = re.search(rf"^cmdstat_{command}:calls=(\d+)", stats, re.M)
    return int(m.group(1)) if m else 0


def reset_stats(*servers):
    for r in servers:
        with r.client() as c:
            assert c.command("CONFIG", "RESETSTAT") == "OK"


class SlowProxy:
    """A TCP proxy in front of a redis-server that holds every chunk of
    replies for `delay` seconds before passing it on: a database that is
    always that much farther away, whatever the machine's load."""

    def __init__(self, upstream_port, delay):
        self.upstream_port = upstream_port
        self.delay = delay
        self.port = free_port()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        self.stopped = False
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def address(self):
        return f"redis:127.0.0.1:{self.port}"

    def _accept(self):
        while not self.stopped:
            try:
                down, _ = self.listener.accept()
            except OSError:
                return
            up = socket.create_connection(("127.0.0.1", self.upstream_port))
            self.sockets += [down, up]
            threading.Thread(target=self._pump, args=(down, up, 0), daemon=True).start()
            threading.Thread(target=self._pump, args=(up, down, self.delay), daemon=True).start()

    @staticmethod
    def _pump(src, dst, delay):
        try:
            while True:
                data = src.recv(1 << 16)
                if not data:
                    break
                if delay:
                    time.sleep(delay)
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self.stopped = True
        self.listener.close()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass


def asleep(redis):
    """True once the redis-server answers no PING within 0.3 s."""
    with redis.client(timeout=0.3) as c:
        try:
            c.command("PING")
        except AssertionError:  # the harness's "no reply within" the timeout
            return True
    return False


def wait_up(d, *names):
    wait_until(lambda: all(d.info()[n]["state"] == "up" for n in names), 15, f"{names} up")


def test_read_from_first_sends_every_get_to_the_first_database(procs):
    a, b = procs.start_redis(2)
    d = procs.start_dbsyncd([a, b], ["--read-from", "first"])
    wait_up(d, "db0", "db1")
    with d.client() as c:
        assert c.command("SET", "k", "v") == "OK"
        reset_stats(a, b)
        for _ in range(200):
            assert c.command("GET", "k") == b"v"
        assert c.command("SET", "k2", "v") == "OK"
    assert calls(a, "get") == 200
    assert calls(b, "get") == 0
    # Writes still go to every database.
    assert calls(a, "set") == 1 and calls(b, "set") == 1


def test_a_script_declared_no_writes_is_a_read(procs):
    a, b = procs.start_redis(2)
    d = procs.start_dbsyncd([a, b], ["--read-from", "first"])
    wait_up(d, "db0", "db1")
    read_only = "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])"
    writing = "#!lua\nreturn redis.call('INCR', KEYS[1])"
    with d.client() as c:
        assert c.command("SET", "k", "v") == "OK"
        reset_stats(a, b)
        for _ in range(20):
            assert c.command("EVAL", read_only, "1", "k") == b"v"
        # Redis refuses a write from a no-writes script, on the one database.
        refused = c.command("EVAL", "#!lua flags=no-writes\nreturn redis.call('SET', KEYS[1], 'x')", "1", "k")
        assert isinstance(refused, ReplyError) and "Write commands are not allowed" in refused, refused
        for i in range(5):
            assert c.command("EVAL", writing, "1", "n") == i + 1
        assert c.command("DBSYNC", "COMMANDS", "eval")[0].endswith(b"a read when its script declares flags=no-writes")
    assert calls(a, "eval") == 26
    wait_until(lambda: calls(b, "eval") == 5, 10, "the writing scripts on b")
    assert a.get("k") == b.get("k") == b"v"
    assert a.get("n") == b.get("n") == b"5"


def test_read_from_all_sends_every_get_to_every_database(procs):
    a, b = procs.start_redis(2)
    d = procs.start_dbsyncd([a, b], ["--read-from", "all"])
    wait_up(d, "db0", "db1")
    with d.client() as c:
        assert c.command("SET", "k", "v") == "OK"
        reset_stats(a, b)
        for _ in range(200):
            assert c.command("GET", "k") == b"v"
    # The last GET's second reply may still be on its way.
    wait_until(lambda: calls(a, "get") == 200 and calls(b, "get") == 200, 10, "200 GETs on each")


def test_read_from_nearest_prefers_the_faster_database(procs):
    slow_redis, fast = procs.start_redis(2)
    slow = SlowProxy(slow_redis.port, 0.03)
    try:
        # The slow one first: `first` would pick it, `nearest` must not.
        d = procs.start_dbsyncd([slow, fast])
        wait_up(d, "db0", "db1")
        with d.client() as c:
            # Writes reach both, and give each database latency samples.
            for i in range(20):
                assert c.command("SET", f"k{i}", "v") == "OK"
            # --ack one answered each once the fast database took it.
            wait_until(lambda: calls(slow_redis, "set") == 20, 10, "the writes to reach the slow database")
            reset_stats(slow_redis, fast)
            for i in range(300):
                assert c.command("GET", f"k{i % 20}") == b"v"
            assert c.command("SET", "after", "v") == "OK"
        # One read a second may probe the slow database (read_router.hpp).
        on_slow = calls(slow_redis, "get")
        on_fast = calls(fast, "get")
        assert on_slow + on_fast == 300
        assert on_fast >= 290, (on_fast, on_slow)
        wait_until(lambda: calls(slow_redis, "set") == 1, 10, "the write to reach the slow database")
        assert calls(fast, "set") == 1
    finally:
        slow.stop()


def test_read_in_flight_on_a_killed_database_is_answered_by_another(procs):
    a, b = procs.start_redis(2, args=["--enable-debug-command", "yes"])
    d = procs.start_dbsyncd([a, b], ["--read-from", "first", "--db-timeout", "10000"])
    wait_up(d, "db0", "db1")
    with d.client() as c:
        assert c.command("SET", "k", "v") == "OK"
    reset_stats(b)
    # db0 is busy, so the reads wait on it, written and unanswered, when it
    # is killed: their outcome there is unknown, and each goes to db1.
    blocker = a.client()
    blocker.send_raw(b"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$1\r\n5\r\n")
    # db0 sleeps once it no longer answers another client.
    wait_until(lambda: asleep(a), 10, "db0 asleep in DEBUG SLEEP")
    reader = d.client()
    reader.send_raw(b"".join(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n" for _ in range(100)))
    wait_until(lambda: int(d.info()["db0"]["pending"]) >= 100, 10, "100 reads owed by db0")
    a.kill()
    blocker.close()
    replies = [reader.read_reply() for _ in range(100)]
    assert replies == [b"v"] * 100
    assert calls(b, "get") == 100
    # A GET loop keeps working on the database that is left.
    for _ in range(100):
        assert reader.command("GET", "k") == b"v"
    reader.close()


def test_get_loop_while_a_database_is_killed_has_no_errors(procs):
    a, b = procs.start_redis(2)
    d = procs.start_dbsyncd([a, b])
    wait_up(d, "db0", "db1")
    with d.client() as c:
        assert c.command("SET", "k", "v") == "OK"
    errors = []
    done = threading.Event()
    count = [0]

    def loop():
        with d.client() as c:
            while not done.is_set():
                for r in c.pipeline([("GET", "k")] * 20):
                    if r != b"v":
                        errors.append(r)
                count[0] += 20

    t = threading.Thread(target=loop)
    t.start()
    try:
        wait_until(lambda: count[0] >= 2000, 20, "2000 GETs before the kill")
        # Each read ran on one database: at most the pipeline in flight
        # beyond those answered.
        total = calls(a, "get") + calls(b, "get")
        assert total <= count[0] + 40, (total, count[0])
        # The faster one is read from; kill whichever that is now.
        victim = a if calls(a, "get") >= calls(b, "get") else b
        victim.kill()
        before = count[0]
        wait_until(lambda: count[0] >= before + 2000, 20, "2000 GETs after the kill")
    finally:
        done.set()
        t.join(timeout=30)
    assert errors == []


def test_scan_iterates_exactly_the_keys_with_read_from_nearest(procs):
    first_redis, other = procs.start_redis(2)
    # The first database is the slower one: nearest would read from the
    # other, yet every SCAN must go to the first.
    first = SlowProxy(first_redis.port, 0.005)
    try:
        d = procs.start_dbsyncd([first, other])
        wait_up(d, "db0", "db1")
        with d.client() as c:
            for r in c.pipeline([("SET", f"key:{i}", "v") for i in range(1000)]):
                assert r == "OK"
            reset_stats(first_redis, other)
            seen = []
            scans = 0
            cursor = b"0"
            while True:
                # Each redis-server hashes with a seed of its own, so a
                # cursor from one means nothing to the other.
                cursor, keys = c.command("SCAN", cursor, "COUNT", "10")
                scans += 1
                seen += keys
                if cursor == b"0":
                    break
        assert len(seen) == 1000
        assert set(seen) == {f"key:{i}".encode() for i in range(1000)}
        assert calls(first_redis, "scan") == scans
        assert calls(other, "scan") == 0
    finally:
        first.stop()


def test_read_your_writes_pipelined_with_a_slow_database(procs):
    fast_redis, slow_redis = procs.start_redis(2)
    slow = SlowProxy(slow_redis.port, 0.02)
    try:
        d = procs.start_dbsyncd([fast_redis, slow])
        wait_up(d, "db0", "db1")
        with d.client() as c:
            for round_ in range(50):
                cmds = []
                for i in range(10):
                    cmds += [("SET", f"k{i}", f"{round_}-{i}"), ("GET", f"k{i}")]
                replies = c.pipeline(cmds)
                assert replies[1::2] == [f"{round_}-{i}".encode() for i in range(10)], round_
    finally:
        slow.stop()


def test_reads_avoid_a_database_that_missed_a_write(procs):
    a, b = procs.start_redis(2)
    # `first` would read from db0; db0 misses the write below.
    d = procs.start_dbsyncd([a, b], ["--read-from", "first"])
    wait_up(d, "db0", "db1")
    with d.client() as c:
        assert c.command("SET", "k", "old") == "OK"
        a.kill()
        wait_until(lambda: d.info()["db0"]["state"] != "up", 10, "db0 down")
        assert c.command("SET", "k", "new") == "OK"  # ack one: db1 took it
        a.start()  # same port, empty: it never got "new"
        wait_up(d, "db0")
        for _ in range(50):
            assert c.command("GET", "k") == b"new"
    assert "missed a write" in d.log()


def test_dbsync_commands_says_how_each_command_is_handled(procs):
    a, b = procs.start_redis(2)
    d = procs.start_dbsyncd([a, b], ["--read-from", "first"])
    wait_up(d, "db0", "db1")  # each gave its command table
    with d.client() as c:
        assert c.command("DBSYNC", "COMMANDS", "GET", "set", "scan", "mymodule.cmd", "subscribe") == [
            b"get: read (one database: the first up in -d order (--read-from first))",
            b"set: write (every database, acknowledged per --ack)",
            b"scan: read (one database: always the first up in -d order, so a cursor stays on one database)",
            b"mymodule.cmd: write (unknown to the databases' own command tables (COMMAND): treated as a write)",
            b"subscribe: refused (it turns the connection into a stream, which a fan-out cannot merge)",
        ]
        r = c.command("DBSYNC", "COMMANDS")
        assert isinstance(r, ReplyError) and "needs one or more command names" in r


def test_exit_with_reads_owed_by_every_database_does_not_crash(procs):
    a, b = procs.start_redis(2, args=["--enable-debug-command", "yes"])
    d = procs.start_dbsyncd([a, b], ["--read-from", "first", "--shutdown-timeout", "200"])
    wait_up(d, "db0", "db1")
    with d.client() as c:
        # db0 misses a write, so reads go to db1, the last to shut down.
        a.kill()
        wait_until(lambda: d.info()["db0"]["state"] != "up", 10, "db0 down")
        assert c.command("SET", "k", "v") == "OK"
        a.start()
        wait_up(d, "db0")
    sleepers = []
    for r in (a, b):
        s = r.client()
        s.send_raw(b"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$1\r\n3\r\n")
        sleepers.append(s)
        wait_until(lambda: asleep(r), 10, "database asleep in DEBUG SLEEP")
    reader = d.client()
    reader.send_raw(b"".join(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n" for _ in range(10)))
    wait_until(lambda: int(d.info()["db1"]["pending"]) >= 10, 10, "10 reads owed by db1")
    # Shutdown gives them up at --shutdown-timeout; each database fails
    # what it owes as it goes, and none is tried elsewhere.
    assert d.terminate() == 3
    reader.close()
    for s in sleepers:
        s.close()


def test_a_database_that_gives_no_command_table_counts_with_the_built_in_one(procs):
    # b's user may not run COMMAND: a's table and the built-in one decide,
    # and GET is still a read everywhere (one database per GET).
    a, b = procs.start_redis(2)
    with b.client() as c:
        assert c.command("ACL", "SETUSER", "app", "on", ">secret", "~*", "&*", "+@all", "-command") == "OK"
    d = procs.start_dbsyncd([a, f"redis://app:secret@127.0.0.1:{b.port}"], ["--read-from", "first"])
    wait_up(d, "db0", "db1")
    wait_until(lambda: "no command table from COMMAND" in d.log(), 10, "the refusal logged")
    assert "NOPERM" in d.log()
    with d.client() as c:
        assert c.command("DBSYNC", "COMMANDS", "nosuch") == [
            b"nosuch: write (unknown to the databases' command tables (COMMAND) and the built-in one: treated as "
            b"a write)"]
        assert c.command("SET", "k", "v") == "OK"
        for _ in range(20):
            assert c.command("GET", "k") == b"v"
    with b.client() as c:
        stats = c.command("INFO", "commandstats").decode()
    assert "cmdstat_get:" not in stats, "--read-from first reads from a only"
