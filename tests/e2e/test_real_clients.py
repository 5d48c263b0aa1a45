"""Real Redis clients through dbsyncd: redis-cli 7 (piped and interactive),
redis-benchmark, phpredis and Python's redis package.

Each does real work through dbsyncd in front of two databases while a
second connection runs a steady INCR loop whose every reply is checked.
Afterwards both databases hold the expected data, the same on each, and
neither database connection was lost on the way."""

import json
import os
import re
import subprocess
import threading

import pexpect
import pytest
import redis

from harness import REDIS_BENCHMARK, REDIS_CLI, ProtocolFailure, wait_until

PHP = "/usr/bin/php"
CLIENT_TIMEOUT = 120  # seconds any one client run may take



class SteadyIncr:
    """INCR on one key, on its own connection, checking that every reply is
    one more than the last; stops when told, after `limit` rounds, or at the
    first wrong reply."""

    KEY = "steady:counter"

    def __init__(self, dbsyncd, limit=200000):
        self.dbsyncd = dbsyncd
        self.limit = limit
        self.count = 0
        self.problem = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            with self.dbsyncd.client(timeout=20) as c:
                while not self._stop.is_set() and self.count < self.limit:
                    reply = c.command("INCR", self.KEY)
                    if reply != self.count + 1:
                        self.problem = f"INCR number {self.count + 1} answered {reply!r}"
                        return
                    self.count += 1
        except (OSError, ProtocolFailure, AssertionError) as exc:
            self.problem = repr(exc)

    def __enter__(self):
        self._thread.start()
        # Under way before the client under test starts.
        wait_until(lambda: self.count >= 20 or self.problem, 20, "the steady INCR loop to start")
        return self

    def __exit__(self, *exc):
        # Some rounds after the client under test is done, too.
        if exc[0] is None:
            seen = self.count
            wait_until(lambda: self.count >= min(seen + 20, self.limit) or self.problem, 20,
                       "the steady INCR loop to go on")
        self._stop.set()
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), "the steady INCR loop did not stop"

    def check(self, databases):
        assert self.problem is None, f"the steady client was disturbed: {self.problem}"
        assert self.count > 0
        for r in databases:
            assert r.get(self.KEY) == str(self.count).encode(), r.name


def contents(server):
    """Every key of a database with its value, by type (not DUMP, whose bytes
    for a hash table depend on each server's own hash seed)."""
    out = {}
    with server.client() as c:
        cursor = b"0"
        while True:
            cursor, keys = c.command("SCAN", cursor, "COUNT", "1000")
            for k in keys:
                t = c.command("TYPE", k)
                if t == "string":
                    out[k] = c.command("GET", k)
                elif t == "list":
                    out[k] = c.command("LRANGE", k, "0", "-1")
                elif t == "set":
                    out[k] = sorted(c.command("SMEMBERS", k))
                elif t == "hash":
                    flat = c.command("HGETALL", k)
                    out[k] = dict(zip(flat[::2], flat[1::2]))
                elif t == "zset":
                    out[k] = c.command("ZRANGE", k, "0", "-1", "WITHSCORES")
                else:
                    out[k] = (t, c.command("DUMP", k))
            if cursor == b"0":
                return out


def assert_same_everywhere(databases, without=(SteadyIncr.KEY.encode(),)):
    first = {k: v for k, v in contents(databases[0]).items() if k not in without}
    for r in databases[1:]:
        other = {k: v for k, v in contents(r).items() if k not in without}
        assert other == first, f"{r.name} differs from {databases[0].name}"
    return first


def assert_connections_kept(d):
    """No database connection was dropped while the clients worked."""
    info = d.info()
    for key in ("db0", "db1"):
        assert info[key]["state"] == "up", info[key]
        assert info[key]["reconnects"] == "0", info[key]
    assert "is down" not in d.log(), d.log_tail()


@pytest.fixture
def setup(procs):
    dbs = procs.start_redis(2)
    bare = procs.start_redis(1)  # what Redis itself answers, to compare with
    return procs.start_dbsyncd(dbs), dbs, bare


# A redis-cli session: strings, counters, lists, hashes, sets, a transaction,
# an unknown command and a wrong argument count.
CLI_SESSION = (
    [f"SET cli:key:{i} value-{i}" for i in range(100)]
    + [f"INCRBY cli:counter {i}" for i in range(50)]
    + [f"RPUSH cli:list item-{i}" for i in range(50)]
    + ["HSET cli:hash a 1 b 2 c 3", "HGETALL cli:hash", "SADD cli:set x y z", "SCARD cli:set",
       "MULTI", "INCR cli:counter", "LPOP cli:list", "SET cli:tx done", "EXEC",
       "GET cli:tx", "LRANGE cli:list 0 2", "NOSUCHCOMMAND a b", "GET", "GET cli:key:99"]
)


def run_cli(port, session_file):
    with open(session_file) as stdin:
        r = subprocess.run([REDIS_CLI, "-p", str(port)], stdin=stdin, capture_output=True, text=True,
                           timeout=CLIENT_TIMEOUT)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_redis_cli_piped(setup, tmp_path):
    d, dbs, bare = setup
    session = tmp_path / "session.txt"
    session.write_text("\n".join(CLI_SESSION) + "\n")
    expected = run_cli(bare.port, session)
    assert "unknown command" in expected and expected.count("OK") > 100, expected[-500:]
    with SteadyIncr(d) as steady:
        got = run_cli(d.port, session)
    assert got.splitlines() == expected.splitlines()
    steady.check(dbs)
    assert_connections_kept(d)
    data = assert_same_everywhere(dbs)
    assert data == contents(bare)


def interactive_session(port, commands):
    """Runs commands in an interactive redis-cli on a pty; returns what it
    printed for each."""
    # TERM=dumb: linenoise then reads plain lines and draws no hints or
    # escape sequences, so the output is just the replies.
    child = pexpect.spawn(REDIS_CLI, ["-p", str(port)], env=dict(os.environ, TERM="dumb"), encoding="utf-8",
                          timeout=30)
    prompt = re.escape(f"127.0.0.1:{port}") + r"(\(TX\))?> "
    outputs = []
    try:
        child.expect(prompt)
        for cmd in commands:
            child.sendline(cmd)
            child.expect(prompt)
            printed = child.before.replace("\r\n", "\n")
            assert printed.startswith(cmd + "\n"), printed
            outputs.append(printed[len(cmd) + 1:])
        child.sendline("QUIT")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return outputs


INTERACTIVE = ["PING", "SET cli:greeting hello", "GET cli:greeting", "INCRBY cli:n 5", "MULTI", "INCR cli:n",
               "RPUSH cli:l a b", "EXEC", "FOO bar", "HSET cli:h f v", "HGET cli:h f", "LRANGE cli:l 0 -1"]


def test_redis_cli_interactive(setup):
    d, dbs, bare = setup
    expected = interactive_session(bare.port, INTERACTIVE)
    assert expected[2] == '"hello"\n' and expected[7] == "1) (integer) 6\n2) (integer) 2\n", expected
    with SteadyIncr(d) as steady:
        got = interactive_session(d.port, INTERACTIVE)
    assert got == expected
    steady.check(dbs)
    assert_connections_kept(d)
    assert assert_same_everywhere(dbs) == contents(bare)


def test_redis_benchmark(setup):
    d, dbs, _ = setup
    n = 20000
    with SteadyIncr(d) as steady:
        r = subprocess.run([REDIS_BENCHMARK, "-p", str(d.port), "-t", "set,get,incr,lpush", "-n", str(n), "-q"],
                           capture_output=True, text=True, timeout=CLIENT_TIMEOUT * 2)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    for test in ("SET", "GET", "INCR", "LPUSH"):
        assert re.search(rf"^\s*{test}: [\d.]+ requests per second", r.stdout, re.M), out
    assert "error" not in out.lower() and "WARNING" not in out, out
    steady.check(dbs)
    assert_connections_kept(d)
    data = assert_same_everywhere(dbs)
    # Without -r every test uses one key: n INCRs, n LPUSHes of a 3-byte value.
    assert data[b"counter:__rand_int__"] == str(n).encode()
    assert len(data[b"mylist"]) == n and all(len(v) == 3 for v in data[b"mylist"])
    assert len(data[b"key:__rand_int__"]) == 3


PHPREDIS_SCRIPT = r"""
$r = new Redis();
$r->connect('127.0.0.1', (int)$argv[1], 10);
$out = [];
$out['set'] = $r->set('php:str', 'hello');
$out['get'] = $r->get('php:str');
$out['incrby'] = $r->incrBy('php:n', 5);
$out['hmset'] = $r->hMSet('php:h', ['a' => 1, 'b' => 2]);
$out['hgetall'] = $r->hGetAll('php:h');
$out['rpush'] = $r->rPush('php:l', 'x', 'y', 'z');
$out['multi'] = $r->multi()->incr('php:n')->rPush('php:l', 'w')->set('php:tx', 'done')->exec();
$p = $r->multi(Redis::PIPELINE);
for ($i = 0; $i < 1000; $i++) $p->set("php:k:$i", "v$i");
$out['pipeline'] = count(array_filter($p->exec(), fn($ok) => $ok === true));
$out['sadd'] = $r->sAdd('php:s', ...array_map('strval', range(1, 500)));
$out['lrange'] = $r->lRange('php:l', 0, -1);
$out['unknown'] = $r->rawCommand('NOSUCHCOMMAND', 'a');
$out['unknown_error'] = $r->getLastError();
$out['after'] = $r->get('php:str');
$r->close();
echo json_encode($out), "\n";
"""


def run_php(port):
    r = subprocess.run([PHP, "-r", PHPREDIS_SCRIPT, "--", str(port)], capture_output=True, text=True,
                       timeout=CLIENT_TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout)


def test_phpredis(setup):
    d, dbs, bare = setup
    expected = run_php(bare.port)
    assert expected["multi"] == [6, 4, True] and expected["pipeline"] == 1000, expected
    with SteadyIncr(d) as steady:
        got = run_php(d.port)
    assert got == expected
    assert got["unknown_error"] == "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'a' "
    steady.check(dbs)
    assert_connections_kept(d)
    data = assert_same_everywhere(dbs)
    assert data == contents(bare)


def python_client_work(port):
    """What a Python program does with redis-py; returns what it saw."""
    r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=30)
    seen = {}
    seen["set"] = r.set("py:str", "hello")
    seen["get"] = r.get("py:str")
    seen["incr"] = [r.incr("py:n") for _ in range(100)][-1]
    seen["mset"] = r.mset({f"py:m:{i}": i for i in range(200)})
    seen["hset"] = r.hset("py:h", mapping={"a": "1", "b": "2"})
    seen["sadd"] = r.sadd("py:s", *range(2000))
    seen["zadd"] = r.zadd("py:z", {"one": 1, "two": 2, "three": 3})
    with r.pipeline(transaction=True) as p:
        p.incr("py:n").rpush("py:l", "a", "b").set("py:tx", "done")
        seen["transaction"] = p.execute()
    with r.pipeline(transaction=False) as p:
        for i in range(500):
            p.set(f"py:p:{i}", i)
        seen["pipeline"] = sum(1 for ok in p.execute() if ok is True)
    try:
        with r.pipeline(transaction=True) as p:
            p.set("py:never", "1")
            p.execute_command("NOSUCHCOMMAND", "x")
            p.execute()
        seen["bad_transaction"] = "no error"
    except redis.ResponseError as exc:
        seen["bad_transaction"] = str(exc)
    try:
        r.execute_command("GET")
        seen["wrong_arity"] = "no error"
    except redis.ResponseError as exc:
        seen["wrong_arity"] = str(exc)
    seen["zrange"] = r.zrange("py:z", 0, -1, withscores=True)
    r.close()
    return seen


def test_python_redis(setup):
    d, dbs, bare = setup
    expected = python_client_work(bare.port)
    assert expected["transaction"] == [101, 2, True] and expected["pipeline"] == 500, expected
    assert "unknown command 'NOSUCHCOMMAND'" in expected["bad_transaction"], expected
    with SteadyIncr(d) as steady:
        got = python_client_work(d.port)
    assert got == expected
    steady.check(dbs)
    assert_connections_kept(d)
    data = assert_same_everywhere(dbs)
    assert data == contents(bare)
    assert b"py:never" not in data
