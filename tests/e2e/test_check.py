"""dbsync-check against real redis-servers (and a real dbsyncd where it
matters): differences of every kind are found whichever database they are
on, equal values in different encodings are not reported, a write load
through dbsyncd gives no false positive, --repair makes the databases
identical and never overwrites a newer live write.

Each comparison runs twice where the value is concerned: with servers that
allow DEBUG DIGEST-VALUE ("digest") and with servers that do not ("dump",
where DUMP and the content are compared)."""

import json
import os
import re
import subprocess
import threading
import time

import pytest

from harness import DBSYNCD, ROOT, wait_until

# The tool of the variant under test: build/asan/dbsync-check next to
# build/asan/dbsyncd, else check/dbsync-check (release and debug).
_sibling = os.path.join(os.path.dirname(DBSYNCD), "dbsync-check")
CHECK = os.environ.get("DBSYNC_CHECK") or (
    _sibling if os.path.basename(os.path.dirname(DBSYNCD)) != "daemon" and os.access(_sibling, os.X_OK)
    else os.path.join(ROOT, "check", "dbsync-check"))
DEBUG_ARGS = ("--enable-debug-command", "yes")
PAUSE_ENV = "DBSYNC_CHECK_TEST_PAUSE_BEFORE_REPAIR"


def run_check(*args, env=None, timeout=300):
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([CHECK, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env=full_env)


def dbs(servers):
    return ",".join(s.address for s in servers)


def divergent_lines(stdout):
    """{key: line} of the DIVERGENT lines."""
    out = {}
    for line in stdout.splitlines():
        m = re.match(r'DIVERGENT "([^"]*)" ', line)
        if m:
            out[m.group(1)] = line
    return out


def json_report(*args, **kw):
    r = run_check(*args, "--json", **kw)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, json.loads(r.stdout)


def both(servers, *cmd):
    for s in servers:
        with s.client() as c:
            reply = c.command(*cmd)
            assert not isinstance(reply, Exception), reply


def on(server, *cmd):
    with server.client() as c:
        return c.command(*cmd)


def pipe(server, commands):
    with server.client() as c:
        return c.pipeline(commands)


@pytest.fixture(params=["digest", "dump"])
def pair(request, procs):
    args = DEBUG_ARGS if request.param == "digest" else ()
    servers = procs.start_redis(2, args=args)
    servers[0].mode = request.param
    return servers


@pytest.fixture
def trio(procs):
    return procs.start_redis(3, args=DEBUG_ARGS)


def plant_every_kind(a, b):
    """Keys that differ between a and b, one per kind of difference; returns
    {key: (type, what differs on b)}."""
    deadline = int(time.time() * 1000) + 3_600_000
    both([a, b], "SET", "same", "v")
    both([a, b], "RPUSH", "same-list", "1", "2")
    on(a, "SET", "str", "a")
    on(b, "SET", "str", "b")
    both([a, b], "RPUSH", "list", "x", "y")
    on(b, "RPUSH", "list", "z")
    both([a, b], "HSET", "hash", "f", "1")
    on(b, "HSET", "hash", "f", "2")
    both([a, b], "SADD", "set", "m1")
    on(b, "SADD", "set", "m2")
    both([a, b], "ZADD", "zset", "1", "m")
    on(b, "ZADD", "zset", "2", "m")
    both([a, b], "XADD", "stream", "1-1", "f", "v")
    on(b, "XADD", "stream", "1-2", "f", "w")
    on(a, "SET", "only-on-a", "v")
    on(b, "SET", "only-on-b", "v")
    both([a, b], "SET", "ttl", "v")
    on(a, "PEXPIREAT", "ttl", deadline)
    on(b, "PEXPIREAT", "ttl", deadline + 5000)
    on(a, "SET", "type", "v")
    on(b, "RPUSH", "type", "v")
    return {"str": ("string", "value"), "list": ("list", "value"), "hash": ("hash", "value"),
            "set": ("set", "value"), "zset": ("zset", "value"), "stream": ("stream", "value"),
            "only-on-a": ("string", "missing"), "only-on-b": ("string", "missing"),
            "ttl": ("string", "ttl"), "type": ("string", "type")}


# --------------------------------------------------------------------- compare


def test_identical_databases_exit_0_and_dbsync_keys_are_skipped(pair):
    for s in pair:
        pipe(s, [("SET", f"k{i}", i) for i in range(500)])
    # dbsyncd's applied markers differ per database by nature: not user data.
    on(pair[0], "SET", "dbsync:applied:x", "1")
    on(pair[1], "SET", "dbsync:applied:x", "2")
    r = run_check("-d", dbs(pair), "--round-delay", 10)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "DIVERGENT" not in r.stdout
    assert re.search(r"summary: 500 keys compared, 0 divergent", r.stdout), r.stdout
    # Without the skip, the marker is the one difference.
    r = run_check("-d", dbs(pair), "--round-delay", 10, "--skip-prefix", "")
    assert r.returncode == 1
    assert list(divergent_lines(r.stdout)) == ["dbsync:applied:x"]


def test_planted_differences_of_every_type_are_found(pair):
    a, b = pair
    planted = plant_every_kind(a, b)
    r = run_check("-d", dbs(pair), "--round-delay", 10)
    assert r.returncode == 1, r.stderr
    found = divergent_lines(r.stdout)
    assert set(found) == set(planted), r.stdout
    for key, (type_, what) in planted.items():
        line = found[key]
        if key == "only-on-a":
            assert "db1=missing" in line, line
        elif key == "only-on-b":
            assert "db0=missing" in line and "type=string" in line, line
        else:
            assert f"type={type_}" in line and f"db1={what}" in line, line
        assert "no majority" in line  # two databases: neither side is right by count
    assert "missing: db0=1 db1=1" in r.stdout
    assert f"values by {a.mode}" in r.stdout


def test_consumer_groups_are_compared(pair):
    # The same entries everywhere; the groups differ in who holds a pending
    # entry, or where the group stands. Delivery times (and consumers'
    # seen-times, which DUMP holds) are each server's own and not compared.
    a, b = pair
    for key in ("groups-same", "groups-owner", "groups-position"):
        for i in range(1, 6):
            both([a, b], "XADD", key, f"{i}-0", "f", str(i))
        both([a, b], "XGROUP", "CREATE", key, "g", "0")
        both([a, b], "XREADGROUP", "GROUP", "g", "c", "COUNT", "3", "STREAMS", key, ">")
    on(b, "XCLAIM", "groups-owner", "g", "other", "0", "2-0", "JUSTID")
    on(b, "XGROUP", "SETID", "groups-position", "g", "4-0")
    r = run_check("-d", dbs(pair), "--round-delay", 10)
    assert r.returncode == 1, r.stdout + r.stderr
    found = divergent_lines(r.stdout)
    assert set(found) == {"groups-owner", "groups-position"}, r.stdout
    assert all("type=stream" in line and "db1=value" in line for line in found.values()), found


def test_json_output(pair):
    a, b = pair
    planted = plant_every_kind(a, b)
    code, report = json_report("-d", dbs(pair), "--round-delay", 10)
    assert code == 1
    assert report["keys_compared"] == len(planted) + 2
    assert report["divergent_count"] == len(planted)
    by_key = {d["key"]: d for d in report["divergent"]}
    assert by_key["hash"]["differs"] == {"db1": ["value"]}
    assert by_key["ttl"]["differs"] == {"db1": ["ttl"]}
    assert by_key["only-on-b"]["differs"] == {"db0": ["missing"]}
    assert by_key["hash"]["majority"] is False
    assert report["missing"] == {"db0": 1, "db1": 1}
    assert report["values_compared_by"] == a.mode
    assert report["seconds"] >= 0


def dump(server, key):
    return on(server, "DUMP", key)


def test_same_value_in_another_encoding_is_not_reported(pair):
    a, b = pair
    # b's copies grew past the compact encodings and shrank back: the
    # same content as a's, stored (and dumped) differently.
    big = 1000
    on(a, "HSET", "h", "f", "v")
    pipe(b, [("HSET", "h", "f", "v")] + [("HSET", "h", f"x{i}", "y") for i in range(big)])
    pipe(b, [("HDEL", "h", f"x{i}") for i in range(big)])
    on(a, "SADD", "s", "1", "2")
    pipe(b, [("SADD", "s", "1", "2", "word")] + [("SADD", "s", f"{i + 10}") for i in range(big)])
    pipe(b, [("SREM", "s", "word")] + [("SREM", "s", f"{i + 10}") for i in range(big)])
    on(a, "ZADD", "z", "1", "m")
    pipe(b, [("ZADD", "z", "1", "m")] + [("ZADD", "z", i, f"x{i}") for i in range(big)])
    pipe(b, [("ZREM", "z", f"x{i}") for i in range(big)])
    for key in ("h", "s", "z"):
        assert on(a, "OBJECT", "ENCODING", key) != on(b, "OBJECT", "ENCODING", key)
        assert dump(a, key) != dump(b, key), key
    r = run_check("-d", dbs(pair), "--round-delay", 10)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "summary: 3 keys compared, 0 divergent" in r.stdout
    # A real difference in such a key is still seen.
    on(b, "HSET", "h", "f", "other")
    r = run_check("-d", dbs(pair), "--round-delay", 10)
    assert r.returncode == 1 and list(divergent_lines(r.stdout)) == ["h"]


def test_big_values_are_compared_in_chunks(procs):
    a, b = procs.start_redis(2)  # no DEBUG: the content is read with HSCAN/LRANGE/...
    pipe(a, [("RPUSH", "l", *[f"e{i}" for i in range(j, j + 100)]) for j in range(0, 5000, 100)])
    pipe(b, [("RPUSH", "l", *[f"e{i}" for i in range(j, j + 100)]) for j in range(0, 5000, 100)])
    on(a, "CONFIG", "SET", "rdbcompression", "no")  # the same string dumps differently
    on(a, "SET", "long", "x" * 300_000)
    on(b, "SET", "long", "x" * 300_000)
    assert dump(a, "long") != dump(b, "long")
    r = run_check("-d", dbs([a, b]), "--chunk", 7, "--round-delay", 10)
    assert r.returncode == 0, r.stdout + r.stderr
    on(b, "LSET", "l", 4321, "changed")
    r = run_check("-d", dbs([a, b]), "--chunk", 7, "--round-delay", 10)
    assert list(divergent_lines(r.stdout)) == ["l"]


def test_match_and_type_select_keys(pair):
    a, b = pair
    on(a, "SET", "user:1", "a")
    on(b, "SET", "user:1", "b")
    on(a, "SET", "other", "a")
    on(a, "RPUSH", "user:list", "a")
    r = run_check("-d", dbs(pair), "--match", "user:*", "--type", "string", "--round-delay", 10)
    assert r.returncode == 1
    assert list(divergent_lines(r.stdout)) == ["user:1"]
    # A key of the type on one side only is found from that side's SCAN.
    on(b, "SET", "user:list", "x")
    r = run_check("-d", dbs(pair), "--match", "user:*", "--type", "string", "--round-delay", 10)
    assert set(divergent_lines(r.stdout)) == {"user:1", "user:list"}


def test_no_false_positive_under_a_write_load_through_dbsyncd(procs):
    servers = procs.start_redis(2, args=DEBUG_ARGS)
    proxy = procs.start_dbsyncd(servers)
    with proxy.client() as c:
        c.pipeline([("SET", f"k{i}", i) for i in range(2000)])
    on(servers[1], "SET", "k7", "planted")  # a real divergence, behind dbsyncd's back
    stop = threading.Event()
    written = [0]

    def load():
        with proxy.client() as c:
            n = 0
            while not stop.is_set():
                batch = [("INCR", f"k{(n * 7 + j) % 2000 + 1000}") for j in range(50)]
                batch += [("HSET", f"h{n % 100}", f"f{n % 37}", n), ("EXPIRE", f"k{n % 900 + 1000}", 3600)]
                replies = c.pipeline(batch)
                assert all(not isinstance(x, Exception) for x in replies)
                n += 1
                written[0] += len(batch)

    t = threading.Thread(target=load, daemon=True)
    t.start()
    try:
        wait_until(lambda: written[0] > 2000, 30, "the write load to start")
        r = run_check("-d", dbs(servers), "--rounds", 3, "--round-delay", 300, "--count", 50)
        assert written[0] > 2000
    finally:
        stop.set()
        t.join(timeout=30)
    assert r.returncode == 1, r.stdout + r.stderr
    assert list(divergent_lines(r.stdout)) == ["k7"], r.stdout


def test_100000_keys(procs, capsys):
    a, b = procs.start_redis(2, args=DEBUG_ARGS)
    both([a, b], "DEBUG", "POPULATE", 100_000)
    on(b, "SET", "key:4242", "planted")
    code, report = json_report("-d", dbs([a, b]), "--round-delay", 10)
    assert code == 1
    assert report["keys_compared"] == 100_000
    assert [d["key"] for d in report["divergent"]] == ["key:4242"]
    with capsys.disabled():
        print(f"\n  dbsync-check: 100,000 keys in {report['scan_seconds']:.2f} s "
              f"({100_000 / max(report['scan_seconds'], 1e-6):.0f} keys/s)")


def test_from_dbsyncd_takes_its_list_and_d_adds_the_password(procs):
    plain = procs.start_redis(1)
    secret = procs.start_redis(1, password="s3cret")
    proxy = procs.start_dbsyncd([plain.address, f"redis://:s3cret@127.0.0.1:{secret.port}/2"])
    with proxy.client() as c:
        assert c.command("SET", "k", "v") == "OK"
    with secret.client(db=2) as c:
        c.command("SET", "only-here", "x")
    r = run_check("--from-dbsyncd", f"127.0.0.1:{proxy.port}", "--round-delay", 10)
    assert r.returncode == 2
    # DBSYNC INFO shows no passwords: without -d the protected database refuses.
    assert f"db1 (127.0.0.1:{secret.port}/2)" in r.stderr and "NOAUTH" in r.stderr, r.stderr
    r = run_check("--from-dbsyncd", f"127.0.0.1:{proxy.port}", "-d",
                  f"redis://:s3cret@127.0.0.1:{secret.port}/2", "--round-delay", 10)
    assert r.returncode == 1, r.stderr
    line = divergent_lines(r.stdout)["only-here"]
    assert "db0=missing" in line
    assert "summary: 2 keys compared" in r.stdout


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("args,message", [
    ([], "no databases"),
    (["-d", "redis:127.0.0.1:1"], "at least two databases"),
    (["-d", "mysql:h:1,redis:127.0.0.1:2"], "unknown database type 'mysql'"),
    (["-d", "redis:127.0.0.1:99999,redis:127.0.0.1:2"], "port must be"),
    (["-d", "redis:127.0.0.1:1,redis:127.0.0.1:2", "--rounds", "0"], "--rounds"),
    (["-d", "redis:127.0.0.1:1,redis:127.0.0.1:2", "--count", "x"], "--count"),
    (["-d", "redis:127.0.0.1:1,redis:127.0.0.1:2", "--bogus"], "--bogus: unknown option"),
    (["-d", "redis:127.0.0.1:1,redis:127.0.0.1:2", "--dry-run"], "--dry-run"),
    (["-d", "redis:127.0.0.1:1,redis:127.0.0.1:2", "--repair", "--source", "first"], "--source"),
    (["-d", "redis:127.0.0.1:1,redis:127.0.0.1:2", "extra"], "unexpected argument"),
])
def test_bad_arguments_exit_2(args, message):
    r = run_check(*args)
    assert r.returncode == 2
    assert message in r.stderr, r.stderr
    assert r.stdout == ""


def test_unreachable_database_exit_2(procs):
    a = procs.start_redis(1)
    port = a.port + 1
    while port in (s.port for s in procs.redis):
        port += 1
    r = run_check("-d", f"{a.address},redis:127.0.0.1:{port}", "--timeout", 2000)
    assert r.returncode == 2
    assert f"db1 (127.0.0.1:{port}): cannot connect" in r.stderr, r.stderr
    r = run_check("-d", f"{a.address},{a.address}", "--repair", "--source", "db2")
    assert r.returncode == 2 and "no db2" in r.stderr


def test_source_beyond_the_list_and_from_dbsyncd_not_dbsyncd(procs):
    a = procs.start_redis(1)
    r = run_check("--from-dbsyncd", f"127.0.0.1:{a.port}")
    assert r.returncode == 2 and "DBSYNC INFO failed" in r.stderr, r.stderr


def test_help_and_version_and_man_page():
    r = run_check("--help")
    assert r.returncode == 0 and "--repair" in r.stdout and "no passwords" in r.stdout
    flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+|-[a-zA-Z])\b", r.stdout))
    with open(os.path.join(ROOT, "check", "dbsync-check.1")) as f:
        man = f.read().replace("\\-", "-")
    for flag in sorted(flags):
        assert re.search(r"(?<![\w-])" + re.escape(flag) + r"\b", man), f"{flag} missing from dbsync-check.1"
    with open(os.path.join(ROOT, "common", "version.hpp")) as f:
        version = re.search(r'DBSYNC_VERSION "([^"]+)"', f.read()).group(1)
    r = run_check("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"dbsync-check {version}"


# --------------------------------------------------------------------- repair


def state(server, key):
    """What a user would compare: type, value, expiry."""
    with server.client() as c:
        t = c.command("TYPE", key)
        read = {"string": ("GET", key), "list": ("LRANGE", key, 0, -1), "hash": ("HGETALL", key),
                "set": ("SMEMBERS", key), "zset": ("ZRANGE", key, 0, -1, "WITHSCORES"),
                "stream": ("XRANGE", key, "-", "+"), "none": ("EXISTS", key)}[str(t)]
        value = c.command(*read)
        if str(t) in ("set", "hash"):
            value = sorted(value)
        return str(t), value, c.command("PEXPIRETIME", key)


def test_repair_of_each_kind_from_the_majority(trio):
    a, b, c = trio
    planted = plant_every_kind(a, b)  # b differs from a ...
    for key in list(planted) + ["same", "same-list"]:  # ... and c holds a's copy: a and c are the majority
        payload = on(a, "DUMP", key)
        if payload is not None:
            expire = on(a, "PEXPIRETIME", key)
            on(c, "RESTORE", key, max(expire, 0), payload, "ABSTTL", "REPLACE")
    on(b, "SET", "k-only-on-b", "v")
    r = run_check("-d", dbs(trio), "--repair", "--round-delay", 10)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "repair: 11 repaired, 0 changed" in r.stdout, r.stdout
    for key in list(planted) + ["k-only-on-b"]:
        assert state(b, key) == state(a, key), key
    assert on(b, "EXISTS", "only-on-b") == 0 and on(b, "EXISTS", "only-on-a") == 1
    assert on(b, "PEXPIRETIME", "ttl") == on(a, "PEXPIRETIME", "ttl") > 0
    r = run_check("-d", dbs(trio), "--round-delay", 10)
    assert r.returncode == 0, r.stdout


def test_repair_in_dump_mode_and_of_a_key_without_expiry(procs):
    a, b, c = procs.start_redis(3)
    for s in (a, c):
        on(s, "HSET", "h", "f", "1")
    on(b, "HSET", "h", "f", "2")
    on(b, "PEXPIREAT", "h", int(time.time() * 1000) + 3_600_000)
    r = run_check("-d", dbs([a, b, c]), "--repair", "--round-delay", 10)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "values by dump" in r.stdout
    assert state(b, "h") == ("hash", [b"1", b"f"], -1)


def test_two_databases_tie_is_reported_not_guessed(pair):
    a, b = pair
    on(a, "SET", "k", "a")
    on(b, "SET", "k", "b")
    r = run_check("-d", dbs(pair), "--repair", "--round-delay", 10)
    assert r.returncode == 1
    assert 'NOT-REPAIRED "k" no-majority' in r.stdout and "--source" in r.stdout
    assert (a.get("k"), b.get("k")) == (b"a", b"b")
    r = run_check("-d", dbs(pair), "--repair", "--source", "db1", "--round-delay", 10)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (a.get("k"), b.get("k")) == (b"b", b"b")


def test_dry_run_writes_nothing(trio):
    a, b, c = trio
    both([a, c], "SET", "k", "v")
    on(b, "SET", "extra", "x")
    code, report = json_report("-d", dbs(trio), "--repair", "--dry-run", "--round-delay", 10)
    assert code == 1
    actions = {k["key"]: k["actions"] for k in report["repair"]["keys"]}
    assert actions == {"k": ["db1: restore from db0"], "extra": ["db1: delete"]}
    assert report["repair"]["would_repair"] == 2 and report["repair"]["repaired"] == 0
    assert b.get("k") is None and b.get("extra") == b"x"


@pytest.mark.parametrize("live_write", ["set", "delete", "expire", "create"])
def test_repair_racing_a_live_write_keeps_the_live_write(trio, tmp_path, live_write):
    a, b, c = trio
    both([a, c], "SET", "k", "majority")
    both([a, c], "SET", "gone", "majority")
    if live_write != "create":
        on(b, "SET", "k", "stale")
    on(b, "SET", "other", "stale")  # repaired as usual alongside
    hook = tmp_path / "paused"
    env = {PAUSE_ENV: str(hook)}
    proc = subprocess.Popen([CHECK, "-d", dbs(trio), "--repair", "--round-delay", "10", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **env))
    try:
        wait_until(lambda: hook.exists() or proc.poll() is not None, 60, "the tool to pause before repairing")
        assert proc.poll() is None, proc.communicate()
        # A client writes the key on b between the comparison and the repair.
        if live_write == "set":
            on(b, "SET", "k", "live")
        elif live_write == "delete":
            on(b, "DEL", "k")
        elif live_write == "expire":
            on(b, "EXPIRE", "k", 1000)
        else:
            on(b, "SET", "k", "live")
        hook.unlink()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1, err
    report = json.loads(out)
    outcomes = {k["key"]: k["outcome"] for k in report["repair"]["keys"]}
    assert outcomes == {"k": "changed", "gone": "repaired", "other": "repaired"}, out
    assert report["repair"]["changed"] == 1
    expected = {"set": b"live", "delete": None, "expire": b"stale", "create": b"live"}[live_write]
    assert b.get("k") == expected
    if live_write == "expire":
        assert on(b, "TTL", "k") > 900
    assert b.get("gone") == b"majority" and b.get("other") is None


def test_readme_table_documents_every_flag():
    flag_re = r"(?<![\w-])(--[a-z][a-z-]+|-[a-zA-Z])\b"
    helped = set()
    for line in run_check("--help").stdout.splitlines():
        m = re.match(r"\s+((?:-[a-zA-Z], )?--[a-z-]+)", line)
        if m:
            helped.update(re.findall(flag_re, m.group(1)))
    with open(os.path.join(ROOT, "docs", "operations.md")) as f:
        page = f.read()
    section = page[page.index("\n## Checking and repairing"):]
    end = section.find("\n## ", 1)
    section = section if end < 0 else section[:end]
    documented = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            documented.update(re.findall(flag_re, line.split("|")[1]))
    assert len(helped) > 15 and helped == documented
