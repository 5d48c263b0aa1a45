"""Relative expiry through dbsyncd: every database stores the same deadline
(daemon/command_rewrite.hpp), and the client gets exactly the reply a
redis-server gives for the command it sent.

Two redis-servers behind dbsyncd, A and B, plus a standalone redis-server C
that gets the same commands directly, for the reference reply. B is stopped
(SIGSTOP) while the command goes through and resumed only once the clock has
moved on: had each database computed the deadline from its own arrival
time, B's would be later than A's.
"""

import contextlib
import os
import signal
import time

import pytest

from harness import Client, encode, wait_until


def now_ms():
    return time.time_ns() // 1_000_000


class RawClient(Client):
    """Also gives each reply's bytes exactly as they arrived."""

    def _fill(self):
        before = len(self.buf)
        super()._fill()
        self._arrived += self.buf[before:]

    def raw(self, request):
        """Sends request bytes; returns the bytes of the one reply to it."""
        self.send_raw(request)
        whole_start = self.buf
        self._arrived = b""
        self.read_reply()
        whole = whole_start + self._arrived
        return whole[:len(whole) - len(self.buf)]

    def raw_command(self, *args):
        return self.raw(encode(*args))


@contextlib.contextmanager
def stopped(redis):
    """redis-server frozen: what dbsyncd sends it waits in the socket."""
    os.kill(redis.proc.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(redis.proc.pid, signal.SIGCONT)


class Setup:
    def __init__(self, procs):
        self.a, self.b = procs.start_redis(2)
        self.c = procs.start_redis(1)
        self.d = procs.start_dbsyncd([self.a, self.b])

    def settled(self):
        """Waits until both databases have answered everything dbsyncd sent them."""
        def done():
            info = self.d.info()
            return info["db0"]["pending"] == "0" and info["db1"]["pending"] == "0"
        wait_until(done, 10, "both databases to answer every command")

    def both(self, *cmd, settle=True):
        """Runs cmd through dbsyncd and directly on C; both replies must be
        the same bytes, which it returns. `settle`: then waits until both
        databases answered."""
        with RawClient(self.d.port) as proxy, RawClient(self.c.port) as direct:
            got, want = proxy.raw_command(*cmd), direct.raw_command(*cmd)
        assert got == want, f"{cmd}: dbsyncd answered {got!r}, redis-server {want!r}"
        if settle:
            self.settled()
        return got

    def through_dbsyncd_with_b_late(self, requests):
        """Sends requests (raw bytes, one reply each) through dbsyncd while B
        is stopped; B resumes once the clock is 2 ms past the last reply.
        Returns the raw replies and the wall-clock span the commands ran in."""
        with RawClient(self.d.port) as proxy:
            with stopped(self.b):
                t0 = now_ms()
                replies = [proxy.raw(r) for r in requests]
                t1 = now_ms()
                wait_until(lambda: now_ms() >= t1 + 2, 5, "the clock to move 2 ms past A's execution")
        self.settled()
        return replies, t0, t1

    def direct(self, requests):
        with RawClient(self.c.port) as direct:
            return [direct.raw(r) for r in requests]

    def pexpiretime(self, server, key):
        with server.client() as c:
            return c.command("PEXPIRETIME", key)

    def rewritten(self):
        return int(self.d.info()["commands_rewritten"])


def dump_payload(server, value="v"):
    with server.client() as c:
        assert c.command("SET", "dump:src", value) == "OK"
        payload = c.command("DUMP", "dump:src")
        assert c.command("DEL", "dump:src") == 1
    return payload


# (id, setup, command, its ttl in ms); setup runs on A and B through dbsyncd
# and on C directly. "PAYLOAD" stands for a DUMP of a string.
REWRITTEN = [
    ("expire", [("SET", "k", "v")], ("EXPIRE", "k", "100"), 100_000),
    ("expire-lowercase", [("SET", "k", "v")], ("expire", "k", "100"), 100_000),
    ("expire-nx", [("SET", "k", "v")], ("EXPIRE", "k", "100", "NX"), 100_000),
    ("expire-gt", [("SET", "k", "v", "EX", "50")], ("EXPIRE", "k", "100", "gt"), 100_000),
    ("expire-xx-lt", [("SET", "k", "v", "EX", "500")], ("EXPIRE", "k", "100", "XX", "LT"), 100_000),
    ("pexpire", [("SET", "k", "v")], ("PEXPIRE", "k", "100000"), 100_000),
    ("set-ex", [], ("SET", "k", "v", "EX", "100"), 100_000),
    ("set-px", [], ("SET", "k", "v", "PX", "100000"), 100_000),
    ("set-nx-px-lowercase", [], ("set", "k", "v", "nx", "px", "100000"), 100_000),
    ("set-get-ex", [("SET", "k", "old")], ("SET", "k", "v", "GET", "EX", "100"), 100_000),
    ("set-ex-xx", [("SET", "k", "old")], ("SET", "k", "v", "EX", "100", "XX"), 100_000),
    ("setex", [], ("SETEX", "k", "100", "v"), 100_000),
    ("psetex", [], ("PSETEX", "k", "100000", "v"), 100_000),
    ("getex-ex", [("SET", "k", "v")], ("GETEX", "k", "EX", "100"), 100_000),
    ("getex-px", [("SET", "k", "v")], ("GETEX", "k", "px", "100000"), 100_000),
    ("restore", [], ("RESTORE", "k", "100000", "PAYLOAD"), 100_000),
    ("restore-replace-idletime", [("SET", "k", "old")],
     ("RESTORE", "k", "100000", "PAYLOAD", "REPLACE", "IDLETIME", "5"), 100_000),
]


@pytest.mark.parametrize("setup,cmd,ttl_ms", [c[1:] for c in REWRITTEN], ids=[c[0] for c in REWRITTEN])
def test_every_database_gets_the_same_deadline(procs, setup, cmd, ttl_ms):
    s = Setup(procs)
    payload = dump_payload(s.c)
    cmd = tuple(payload if a == "PAYLOAD" else a for a in cmd)
    for step in setup:
        s.both(*step)
    before = s.rewritten()

    (got,), t0, t1 = s.through_dbsyncd_with_b_late([encode(*cmd)])
    (want,) = s.direct([encode(*cmd)])
    assert got == want, f"dbsyncd answered {got!r}, redis-server {want!r}"

    at_a, at_b = s.pexpiretime(s.a, "k"), s.pexpiretime(s.b, "k")
    assert at_a == at_b, f"deadlines differ: A {at_a}, B {at_b} (B ran the command >= 2 ms later)"
    assert t0 + ttl_ms <= at_a <= t1 + ttl_ms, f"deadline {at_a} not {ttl_ms} ms after [{t0}, {t1}]"
    with s.a.client() as a, s.b.client() as b:
        assert a.command("GET", "k") == b.command("GET", "k") == b"v"
    assert s.rewritten() == before + 1


def test_inline_command_gets_the_same_deadline(procs):
    s = Setup(procs)
    (got,), t0, t1 = s.through_dbsyncd_with_b_late([b"SET k v EX 100\r\n"])
    assert got == b"+OK\r\n"
    at_a, at_b = s.pexpiretime(s.a, "k"), s.pexpiretime(s.b, "k")
    assert at_a == at_b, f"deadlines differ: A {at_a}, B {at_b}"
    assert t0 + 100_000 <= at_a <= t1 + 100_000


def test_transaction_commands_get_the_same_deadlines(procs):
    s = Setup(procs)
    s.both("SET", "k2", "v")
    txn = [encode("MULTI"), encode("SET", "k1", "v", "EX", "100"), encode("EXPIRE", "k2", "200"),
           encode("SETEX", "k3", "300", "v"), encode("EXEC")]
    got, t0, t1 = s.through_dbsyncd_with_b_late(txn)
    assert got == s.direct(txn)
    assert got[-1] == b"*3\r\n+OK\r\n:1\r\n+OK\r\n"
    for key, ttl in (("k1", 100_000), ("k2", 200_000), ("k3", 300_000)):
        at_a, at_b = s.pexpiretime(s.a, key), s.pexpiretime(s.b, key)
        assert at_a == at_b, f"{key}: deadlines differ: A {at_a}, B {at_b}"
        assert t0 + ttl <= at_a <= t1 + ttl, key


# Rewritten, and the reply and the outcome are still Redis's own: no key,
# a condition not met, a deadline already past, a wrong type, a bad payload.
REWRITTEN_SAME_REPLY = [
    ("expire-missing", [], ("EXPIRE", "k", "100")),
    ("expire-negative-deletes", [("SET", "k", "v")], ("EXPIRE", "k", "-1")),
    ("expire-zero-deletes", [("SET", "k", "v")], ("PEXPIRE", "k", "0")),
    ("expire-nx-has-ttl", [("SET", "k", "v", "EX", "50")], ("EXPIRE", "k", "100", "NX")),
    ("expire-xx-no-ttl", [("SET", "k", "v")], ("EXPIRE", "k", "100", "XX")),
    ("expire-gt-no-ttl", [("SET", "k", "v")], ("EXPIRE", "k", "100", "GT")),
    ("expire-lt-longer", [("SET", "k", "v", "EX", "50")], ("EXPIRE", "k", "100", "LT")),
    ("set-nx-exists", [("SET", "k", "old")], ("SET", "k", "v", "NX", "EX", "100")),
    ("set-xx-missing", [], ("SET", "k", "v", "XX", "EX", "100")),
    ("set-get-missing", [], ("SET", "k", "v", "GET", "EX", "100")),
    ("set-get-wrongtype", [("RPUSH", "k", "x")], ("SET", "k", "v", "GET", "EX", "100")),
    ("setex-over-list", [("RPUSH", "k", "x")], ("SETEX", "k", "100", "v")),
    ("getex-missing", [], ("GETEX", "k", "EX", "100")),
    ("getex-wrongtype", [("RPUSH", "k", "x")], ("GETEX", "k", "EX", "100")),
    ("restore-busykey", [("SET", "k", "old")], ("RESTORE", "k", "100000", "PAYLOAD")),
    ("restore-bad-payload", [], ("RESTORE", "k", "100000", "not a dump payload")),
]

# Left unchanged: Redis answers with its own error for the command sent.
LEFT_TO_REDIS = [
    ("expire-not-a-number", ("EXPIRE", "k", "notanumber")),
    ("expire-leading-zero", ("EXPIRE", "k", "010")),
    ("expire-plus-sign", ("EXPIRE", "k", "+10")),
    ("expire-overflow", ("EXPIRE", "k", "9223372036854775807")),
    ("expire-overflow-negative", ("EXPIRE", "k", "-9223372036854775808")),
    ("pexpire-overflow", ("PEXPIRE", "k", "9223372036854775807")),
    ("expire-nx-xx", ("EXPIRE", "k", "100", "NX", "XX")),
    ("expire-gt-lt", ("EXPIRE", "k", "100", "GT", "LT")),
    ("expire-bad-option", ("EXPIRE", "k", "100", "SOON")),
    ("expire-arity", ("EXPIRE", "k")),
    ("set-ex-zero", ("SET", "k", "v", "EX", "0")),
    ("set-ex-negative", ("SET", "k", "v", "EX", "-5")),
    ("set-px-not-a-number", ("SET", "k", "v", "PX", "abc")),
    ("set-ex-overflow", ("SET", "k", "v", "EX", "9223372036854775")),
    ("set-px-overflow", ("SET", "k", "v", "PX", "9223372036854775807")),
    ("set-ex-keepttl", ("SET", "k", "v", "EX", "10", "KEEPTTL")),
    ("set-ex-px", ("SET", "k", "v", "EX", "10", "PX", "10")),
    ("set-ex-pxat", ("SET", "k", "v", "EX", "10", "PXAT", "10")),
    ("set-nx-xx", ("SET", "k", "v", "NX", "XX", "EX", "10")),
    ("set-ex-no-value", ("SET", "k", "v", "EX")),
    ("set-bad-option", ("SET", "k", "v", "EX", "10", "SOON")),
    ("setex-negative", ("SETEX", "k", "-1", "v")),
    ("setex-zero", ("SETEX", "k", "0", "v")),
    ("setex-not-a-number", ("SETEX", "k", "x", "v")),
    ("setex-overflow", ("SETEX", "k", "9223372036854775807", "v")),
    ("setex-arity", ("SETEX", "k", "10")),
    ("psetex-zero", ("PSETEX", "k", "0", "v")),
    ("getex-zero", ("GETEX", "k", "EX", "0")),
    ("getex-persist", ("GETEX", "k", "EX", "10", "PERSIST")),
    ("getex-overflow", ("GETEX", "k", "PX", "9223372036854775807")),
    ("restore-negative-ttl", ("RESTORE", "k", "-1", "PAYLOAD")),
    ("restore-ttl-not-a-number", ("RESTORE", "k", "x", "PAYLOAD")),
    ("restore-freq-range", ("RESTORE", "k", "100", "PAYLOAD", "FREQ", "256")),
    ("restore-idletime-negative", ("RESTORE", "k", "100", "PAYLOAD", "IDLETIME", "-1")),
    ("restore-idletime-freq", ("RESTORE", "k", "100", "PAYLOAD", "IDLETIME", "1", "FREQ", "1")),
    ("restore-bad-option", ("RESTORE", "k", "100", "PAYLOAD", "SOON")),
]

SAME_REPLY = ([(i, setup, cmd, True) for i, setup, cmd in REWRITTEN_SAME_REPLY] +
              [(i, [("SET", "k", "v")], cmd, False) for i, cmd in LEFT_TO_REDIS])


@pytest.mark.parametrize("setup,cmd,rewritten", [c[1:] for c in SAME_REPLY], ids=[c[0] for c in SAME_REPLY])
def test_reply_and_outcome_are_redis_own(procs, setup, cmd, rewritten):
    s = Setup(procs)
    payload = dump_payload(s.c)
    cmd = tuple(payload if a == "PAYLOAD" else a for a in cmd)
    for step in setup:
        s.both(*step)
    before = s.rewritten()
    s.both(*cmd)
    assert s.rewritten() == before + (1 if rewritten else 0)

    state = []
    for server in (s.a, s.b, s.c):
        with server.client() as c:
            kind = c.command("TYPE", "k")
            value = c.command("GET", "k") if kind == "string" else None
            state.append((kind, value, c.command("PEXPIRETIME", "k") > 0))
    assert state[0] == state[1] == state[2], f"A, B, C hold {state}"
    assert s.pexpiretime(s.a, "k") == s.pexpiretime(s.b, "k")


def test_other_commands_are_not_counted(procs):
    s = Setup(procs)
    for cmd in (("SET", "k", "v"), ("GET", "k"), ("PEXPIREAT", "k", str(now_ms() + 100_000)),
                ("SET", "k", "v", "PXAT", str(now_ms() + 100_000)), ("PERSIST", "k"), ("TTL", "k")):
        s.both(*cmd)
    assert s.rewritten() == 0


def pending_times(server, stream):
    """(id, consumer, delivery time, delivery count) of every pending entry,
    as XINFO STREAM FULL gives them."""
    with server.client() as c:
        full = c.command("XINFO", "STREAM", stream, "FULL")
    groups = dict(zip(full[::2], full[1::2]))[b"groups"]
    out = []
    for group in groups:
        fields = dict(zip(group[::2], group[1::2]))
        out += [tuple(p) for p in fields[b"pending"]]
    return out


@pytest.mark.parametrize("idle", [None, "250"], ids=["now", "idle"])
def test_xclaim_gives_every_database_the_same_delivery_time(procs, idle):
    s = Setup(procs)
    with s.d.client() as c:
        for i in range(1, 6):
            assert c.command("XADD", "st", f"{i}-0", "n", str(i)) == f"{i}-0".encode()
        assert c.command("XGROUP", "CREATE", "st", "g", "0") == "OK"
        assert len(c.command("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "st", ">")[0][1]) == 5
    cmd = ["XCLAIM", "st", "g", "c2", "0", "1-0", "3-0", "5-0", "JUSTID"] + (["IDLE", idle] if idle else [])
    (got,), t0, t1 = s.through_dbsyncd_with_b_late([encode(*cmd)])
    assert got == b"*3\r\n$3\r\n1-0\r\n$3\r\n3-0\r\n$3\r\n5-0\r\n"
    # Every pending entry has one time (XREADGROUP's come from its
    # leader-first fix-up, docs/dbsyncd.md "Leader-first commands").
    entries = [pending_times(r, "st") for r in (s.a, s.b)]
    assert entries[0] == entries[1], f"pending entries differ: A {entries[0]}, B {entries[1]}"
    claimed = [p for p in entries[0] if p[1] == b"c2"]
    assert [p[0] for p in claimed] == [b"1-0", b"3-0", b"5-0"]
    back = int(idle or 0)
    assert all(t0 - back <= p[2] <= t1 - back for p in claimed), (claimed, t0, t1)
