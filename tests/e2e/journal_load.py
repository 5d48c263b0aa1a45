"""Shared helpers of the journal's end-to-end tests (test_journal*.py):

  ports            loopback ports below the kernel's ephemeral range, so a
                   database or dbsyncd restarted on its port finds it free
  databases        redis-servers with DEBUG DIGEST allowed, with or without
                   an append-only file that survives kill -9
  Load             connections of mixed writes, each with keys of its own, so
                   that what they were answered says exactly what every
                   database must hold (INCR counters, RPUSH lengths)
  compare          every difference between databases: DEBUG DIGEST, then
                   key by key (TYPE, PEXPIRETIME, DUMP or the sorted members)
  waits            for every database to be up and caught up, for a state
  journal files    the segment files and their records, for damaging them
                   the way a crash or a bad disk does

The record format parsed here is the journal's (daemon/journal_record.hpp):
a segment is a 16-byte header (8 bytes magic, u64 first seq), then records
of a 25-byte header (u32 payload length, u32 crc, u64 seq, u64 time in ms,
u8 flags) and the payload, little-endian.
"""

import glob
import os
import random
import re
import socket
import struct
import threading
import time

from harness import Client, ProtocolFailure, ReplyError, encode, wait_until
from test_ops import Metrics, get

# ------------------------------------------------------------------- ports

# A port from free_port() lies in the kernel's ephemeral range, where any
# outgoing connection on the machine may take it as its local port while
# the test has the server down: a restart on the same port would then fail
# now and then. These ranges lie below it (ip_local_port_range starts at
# 32768 by default).
REDIS_PORTS = (27000, 27999)
DBSYNCD_PORTS = (28000, 28999)
_ports_lock = threading.Lock()
_ports_given = set()


def stable_port(port_range):
    """A free loopback port in port_range not handed out before in this process."""
    lo, hi = port_range
    with _ports_lock:
        for _ in range(1000):
            port = random.randint(lo, hi)
            if port in _ports_given:
                continue
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _ports_given.add(port)
            return port
    raise AssertionError(f"no free port in {lo}-{hi}")


# --------------------------------------------------------------- databases


def start_database(procs, persistent=False, args=()):
    """A redis-server on a stable port that allows DEBUG DIGEST. Persistent:
    with an append-only file of its own (they share one directory), which
    holds every write it answered across kill -9 (each is written to the
    file before its reply goes out)."""
    name = f"redis{len(procs.redis)}"
    extra = ["--enable-debug-command", "yes"]
    if persistent:
        extra += ["--appendonly", "yes", "--appenddirname", f"{name}.aof"]
    return procs.start_redis(1, port=stable_port(REDIS_PORTS), args=extra + list(args))


def start_journal_dbsyncd(procs, databases, journal_dir, args=(), metrics=True):
    """dbsyncd on a stable port with its journal in journal_dir (and, with
    metrics, /metrics on another stable port, as d.metrics_port)."""
    extra = ["--journal-dir", str(journal_dir)]
    metrics_port = None
    if metrics:
        metrics_port = stable_port(DBSYNCD_PORTS)
        extra += ["--metrics", f"127.0.0.1:{metrics_port}"]
    d = procs.start_dbsyncd(databases, extra + list(args), port=stable_port(DBSYNCD_PORTS))
    d.metrics_port = metrics_port
    if metrics:
        wait_metrics(d)
    return d


def wait_metrics(d):
    # A whole request, not a bare connect (as test_ops.metrics_dbsyncd).
    wait_until(lambda: get(d.metrics_port)[0] == 200, 10, "the metrics port")


def metric(d, name, server):
    """The sample of `name` for one database (label database="127.0.0.1:PORT")."""
    return Metrics(d.metrics_port).db(name, server)


def kill9_dbsyncd(d):
    """SIGKILL: dbsyncd stops between any two instructions, the journal as it is."""
    d.expected_exit = True
    d.proc.kill()
    d.proc.wait(timeout=10)
    if d._log:
        d._log.close()
        d._log = None


def restart_dbsyncd(d):
    """The same command line again: same port, same journal directory."""
    d.expected_exit = False
    d.start()
    if getattr(d, "metrics_port", None):
        wait_metrics(d)


class CommandLog:
    """MONITOR on a redis-server: every command it runs while open, from
    any connection. Counting a client's reads with INFO commandstats would
    also count dbsyncd's own GET of its marker at each connection's
    handshake; here each GET comes with its key."""

    ENTRY = re.compile(r'^\S+ \[\d+ [^\]]*\] "([^"]*)"(?: "((?:[^"\\]|\\.)*)")?')

    def __init__(self, redis):
        self.redis = redis
        self.entries = []  # (command in upper case, first argument or None)
        self._client = redis.client()
        assert self._client.command("MONITOR") == "OK"
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        try:
            while True:
                m = self.ENTRY.match(str(self._client.read_reply()))
                if m:
                    self.entries.append((m.group(1).upper(), m.group(2)))
        except (OSError, ProtocolFailure, AssertionError):
            pass  # closed

    def sync(self):
        """Waits until every command run before this call is in entries."""
        token = f"commandlog-{random.getrandbits(64):x}"
        with self.redis.client() as c:
            assert c.command("ECHO", token) == token.encode()
        wait_until(lambda: ("ECHO", token) in self.entries, 10, "MONITOR to show the ECHO")

    def reads(self, command="GET"):
        """Keys of `command` run so far, less dbsyncd's marker reads."""
        self.sync()
        return [k for c, k in self.entries if c == command and not (k or "").startswith("dbsync:applied:")]

    def close(self):
        self._client.close()
        self._thread.join(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def pipelined(client, commands):
    """Sends every command and reads every reply at once, from two threads:
    a long pipeline must not wait for its own replies to be read."""
    failure = []

    def send():
        try:
            client.send_raw(b"".join(encode(*c) for c in commands))
        except OSError as exc:
            failure.append(exc)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    replies = [client.read_reply() for _ in commands]
    sender.join(timeout=60)
    assert not failure, failure
    return replies


# ---------------------------------------------------------------- the load

# Weights of the operations a connection picks from (MIXED), or INCR only.
MIXED = (("INCR", 4), ("RPUSH", 2), ("HSET", 2), ("SET", 2), ("EXPIRE", 1), ("DEL", 1))
INCR_ONLY = (("INCR", 1),)

COUNTERS, LISTS, HASHES, STRINGS, FIELDS = 4, 3, 3, 16, 12


class LoadFailed(Exception):
    """The load cannot go on as the test meant: not retried by wait_until."""


class Tally:
    """What one connection sent and was answered, per counter and list."""

    def __init__(self):
        self.sent = {}       # key -> INCRs or RPUSHes sent (answered or not)
        self.answered = {}   # key -> those answered with success
        self.ops = 0         # commands answered with success, all kinds
        self.unknown = 0     # commands lost with their connection: outcome unknown
        self.errors = []     # (command, error reply) for commands refused


class Load:
    """`connections` threads, each sending one command at a time to `port`
    and counting replies. Keys are load:<conn>:<kind>:<n>, so each counter
    and list has one writer and its answered count is exact: INCR counters
    and RPUSH lists are only ever added to, strings and hashes also get
    SET, DEL and EXPIRE with TTLs far beyond any test.

    reconnect: a lost connection is reopened (retried until stop), the
    command in flight counted as of unknown outcome; without it, a lost
    connection ends that thread's load and is reported in `failures`.
    allow_errors: an error reply does not stop wait_answered (the command
    counts as sent, not answered)."""

    def __init__(self, port, connections=20, seed=1, mix=MIXED, reconnect=False, allow_errors=False):
        self.port = port
        self.allow_errors = allow_errors
        self.connections = connections
        self.seed = seed
        self.ops, self.weights = zip(*mix)
        self.reconnect = reconnect
        self.tallies = [Tally() for _ in range(connections)]
        self.failures = []
        self._stop = threading.Event()
        self._threads = []
        self._answered = 0
        self._lock = threading.Lock()

    # --- running

    def start(self):
        for i in range(self.connections):
            t = threading.Thread(target=self._run, args=(i,), daemon=True)
            self._threads.append(t)
            t.start()
        return self

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in self._threads), "a load connection did not stop"

    def answered(self):
        with self._lock:
            return self._answered

    def wait_answered(self, more, timeout=60):
        """Waits until `more` further commands were answered with success."""
        target = self.answered() + more

        def reached():
            if self.failures:
                raise LoadFailed(f"load failed: {self.failures[:3]}")
            errors = [] if self.allow_errors else self.errors()
            if errors:
                raise LoadFailed(f"{len(errors)} writes of the load answered with an error, e.g. {errors[:3]}")
            return self.answered() >= target

        try:
            wait_until(reached, timeout, f"{more} more answered commands of the load")
        except AssertionError as exc:
            errors = self.errors()
            raise AssertionError(f"{exc}; {len(errors)} error replies, the last: {errors[-3:]}") from None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _connect(self):
        deadline = time.monotonic() + 30
        while True:
            try:
                return Client(self.port, timeout=20)
            except OSError:
                if self._stop.is_set() or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)  # dbsyncd restarting: the next attempt

    def _command(self, i, rng):
        op = rng.choices(self.ops, self.weights)[0]
        p = f"load:{i}"
        if op == "INCR":
            key = f"{p}:ctr:{rng.randrange(COUNTERS)}"
            return op, key, ("INCR", key)
        if op == "RPUSH":
            key = f"{p}:list:{rng.randrange(LISTS)}"
            return op, key, ("RPUSH", key, f"v{rng.randrange(1000)}")
        if op == "HSET":
            return op, None, ("HSET", f"{p}:hash:{rng.randrange(HASHES)}", f"f{rng.randrange(FIELDS)}",
                              f"v{rng.randrange(1000)}")
        if op == "SET":
            return op, None, ("SET", f"{p}:str:{rng.randrange(STRINGS)}", f"v{rng.randrange(10**6)}")
        if op == "EXPIRE":
            kind, n = rng.choice((("str", STRINGS), ("hash", HASHES)))
            return op, None, ("EXPIRE", f"{p}:{kind}:{rng.randrange(n)}", rng.randrange(10**5, 2 * 10**5))
        return op, None, ("DEL", f"{p}:str:{rng.randrange(STRINGS)}")

    def _run(self, i):
        rng = random.Random(self.seed * 1000 + i)
        tally = self.tallies[i]
        try:
            c = self._connect()
        except OSError as exc:
            self.failures.append(f"connection {i}: {exc!r}")
            return
        try:
            while not self._stop.is_set():
                _, counted, cmd = self._command(i, rng)
                if counted:
                    tally.sent[counted] = tally.sent.get(counted, 0) + 1
                try:
                    reply = c.command(*cmd)
                except (OSError, ProtocolFailure, AssertionError) as exc:
                    tally.unknown += 1
                    c.close()
                    if not self.reconnect:
                        self.failures.append(f"connection {i}: {' '.join(map(str, cmd))}: {exc!r}")
                        return
                    try:
                        c = self._connect()
                    except OSError as exc2:
                        self.failures.append(f"connection {i}: reconnect: {exc2!r}")
                        return
                    continue
                if isinstance(reply, ReplyError):
                    tally.errors.append((cmd, reply))
                    continue
                if counted:
                    tally.answered[counted] = tally.answered.get(counted, 0) + 1
                tally.ops += 1
                with self._lock:
                    self._answered += 1
        finally:
            c.close()

    # --- results

    def errors(self):
        return [e for t in self.tallies for e in t.errors]

    def unknown(self):
        return sum(t.unknown for t in self.tallies)

    def counted_keys(self):
        """key -> (answered, sent) for every counter and list."""
        out = {}
        for t in self.tallies:
            for key, sent in t.sent.items():
                out[key] = (t.answered.get(key, 0), sent)
        return out

    def _values(self, redis):
        keys = sorted(self.counted_keys())
        with redis.client() as c:
            cmds = [("GET", k) if ":ctr:" in k else ("LLEN", k) for k in keys]
            replies = c.pipeline(cmds)
        return {k: int(v or 0) for k, v in zip(keys, replies)}

    def exact_problems(self, redis):
        """Keys whose counter or list length differs from what was answered."""
        values = self._values(redis)
        return [f"{redis.name} {k}: holds {values[k]}, {answered} answered ({sent} sent)"
                for k, (answered, sent) in sorted(self.counted_keys().items()) if values[k] != answered]

    def bounded_problems(self, redis):
        """Keys outside [answered, sent]: a write lost after its success, or applied twice."""
        values = self._values(redis)
        return [f"{redis.name} {k}: holds {values[k]}, outside [{answered} answered, {sent} sent]"
                for k, (answered, sent) in sorted(self.counted_keys().items())
                if not answered <= values[k] <= sent]


# -------------------------------------------------------------- comparator


def digest(redis):
    with redis.client() as c:
        reply = c.command("DEBUG", "DIGEST")
    assert not isinstance(reply, ReplyError), f"{redis.name}: DEBUG DIGEST: {reply}"
    return reply


# SMEMBERS/HGETALL for the types a "hashtable" encoding can hold.
CONTENT = {b"set": "SMEMBERS", b"hash": "HGETALL"}


def snapshot(redis):
    """key -> (TYPE, PEXPIRETIME, value) of every key, read with SCAN. The
    value is DUMP's, except for a set or hash in a hash table: Redis seeds
    its hash function at random in each process, so two databases holding
    the same members serialize them in different orders; for those it is
    the sorted members (field, value pairs)."""
    keys = []
    with redis.client() as c:
        cursor = b"0"
        while True:
            cursor, batch = c.command("SCAN", cursor, "COUNT", 1000)
            keys += batch
            if cursor == b"0":
                break
        out = {}
        for i in range(0, len(keys), 300):
            chunk = keys[i:i + 300]
            replies = c.pipeline([cmd for k in chunk for cmd in
                                  (("TYPE", k), ("PEXPIRETIME", k), ("OBJECT", "ENCODING", k), ("DUMP", k))])
            unordered = []
            for j, k in enumerate(chunk):
                kind, deadline, encoding, dump = replies[4 * j:4 * j + 4]
                out[k] = (str(kind).encode(), deadline, dump)
                if encoding == b"hashtable" and str(kind).encode() in CONTENT:
                    unordered.append(k)
            contents = c.pipeline([(CONTENT[out[k][0]], k) for k in unordered])
            for k, content in zip(unordered, contents):
                if out[k][0] == b"hash":
                    content = list(zip(content[::2], content[1::2]))
                out[k] = out[k][:2] + (("members", tuple(sorted(content))),)
    return out


def _short(value, n=80):
    text = repr(value)
    return text if len(text) <= n else text[:n] + "..."


def differences(servers, limit=10):
    """Every way the databases differ (empty when identical): DEBUG DIGEST,
    the key sets, and each key's type, expiry deadline and DUMP, against
    the first database."""
    problems = []
    digests = [digest(r) for r in servers]
    if len(set(digests)) > 1:
        problems.append("DEBUG DIGEST differs: " + ", ".join(
            f"{r.name}={d}" for r, d in zip(servers, digests)))
    snaps = [snapshot(r) for r in servers]
    first = servers[0]
    for r, snap in zip(servers[1:], snaps[1:]):
        only_first = sorted(set(snaps[0]) - set(snap))
        only_here = sorted(set(snap) - set(snaps[0]))
        if only_first:
            problems.append(f"{len(only_first)} keys only on {first.name}, e.g. {_short(only_first[:5])}")
        if only_here:
            problems.append(f"{len(only_here)} keys only on {r.name}, e.g. {_short(only_here[:5])}")
        differing = [k for k in sorted(set(snap) & set(snaps[0])) if snap[k] != snaps[0][k]]
        for k in differing[:limit]:
            (t0, e0, d0), (t1, e1, d1) = snaps[0][k], snap[k]
            what = []
            if t0 != t1:
                what.append(f"type {t0} vs {t1}")
            if e0 != e1:
                what.append(f"pexpiretime {e0} vs {e1}")
            if d0 != d1:
                what.append(f"value (DUMP) {_short(d0, 40)} vs {_short(d1, 40)}")
            problems.append(f"key {k!r} {first.name} vs {r.name}: " + "; ".join(what))
        if len(differing) > limit:
            problems.append(f"... {len(differing) - limit} more differing keys")
    return problems


def wait_identical(servers, timeout=15, note=""):
    """Waits until the databases hold the same data; fails with every difference."""
    last = []

    def same():
        last[:] = differences(servers)
        return not last

    try:
        wait_until(same, timeout, "identical databases", interval=0.2)
    except AssertionError:
        raise AssertionError(f"databases differ{note}:\n" + "\n".join(last)) from None


# -------------------------------------------------------------------- waits


def db_lines(info):
    return {k: v for k, v in info.items() if re.fullmatch(r"db\d+", k)}


def describe(info):
    return "\n".join(f"{k}: {','.join(f'{f}={v}' for f, v in fields.items())}"
                     for k, fields in db_lines(info).items())


class Diverged(Exception):
    """Waiting longer cannot help: not retried by wait_until."""


def wait_caught_up(d, timeout=60, note=""):
    """Waits until every database is up with nothing behind or pending;
    returns that INFO."""
    last = {}

    def caught_up():
        last["info"] = info = d.info()
        if any(f.get("state") == "diverged" for f in db_lines(info).values()):
            raise Diverged("a database is diverged: it will not catch up")
        return all(f.get("state") == "up" and f.get("behind_entries") == "0" and f.get("pending") == "0"
                   for f in db_lines(info).values()) and info

    try:
        return wait_until(caught_up, timeout, "every database up and caught up", interval=0.05)
    except (AssertionError, Diverged) as exc:
        raise AssertionError(f"{exc}{note}\n" + describe(last.get("info", {})) +
                             "\ndbsyncd log (tail):\n" + d.log_tail(2000)) from None


def wait_state(d, db, states, timeout=30, note=""):
    """Waits until INFO line `db` (db0, db1 ...) has a state in `states`; returns its fields."""
    if isinstance(states, str):
        states = (states,)
    last = {}

    def reached():
        last["info"] = info = d.info()
        return info[db]["state"] in states and info[db]

    try:
        return wait_until(reached, timeout, f"{db} state in {states}", interval=0.02)
    except AssertionError as exc:
        raise AssertionError(f"{exc}{note}\n" + describe(last.get("info", {})) +
                             "\ndbsyncd log (tail):\n" + d.log_tail(2000)) from None


def wait_not_up(d, db, timeout=15):
    return wait_state(d, db, ("down", "connecting", "handshaking"), timeout)


# ------------------------------------------------------------ journal files

SEGMENT_HEADER = 16
RECORD_HEADER = 25
SEGMENT_NAME = re.compile(r"segment-(\d{20})\.journal$")


def segment_files(journal_dir):
    """The journal's segment files in seq order."""
    return sorted(p for p in glob.glob(os.path.join(str(journal_dir), "segment-*.journal"))
                  if SEGMENT_NAME.search(p))


def segment_records(path):
    """(offset, total length, seq) of each whole record in a segment file."""
    with open(path, "rb") as f:
        data = f.read()
    out = []
    pos = SEGMENT_HEADER
    while pos + RECORD_HEADER <= len(data):
        length, _crc, seq, _ms, _flags = struct.unpack_from("<IIQQB", data, pos)
        end = pos + RECORD_HEADER + length
        if end > len(data):
            break
        out.append((pos, RECORD_HEADER + length, seq))
        pos = end
    return out
