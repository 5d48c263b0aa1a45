"""redis-cli and redis-benchmark work against dbsyncd."""

import subprocess

from harness import REDIS_BENCHMARK, REDIS_CLI


def cli(port, *args):
    r = subprocess.run([REDIS_CLI, "-p", str(port), *args], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_redis_cli(procs, redis3, proxy3):
    assert cli(proxy3.port, "PING") == "PONG"
    assert cli(proxy3.port, "SET", "from-cli", "hello world") == "OK"
    assert cli(proxy3.port, "GET", "from-cli") == "hello world"
    out = cli(proxy3.port, "DBSYNC", "INFO")
    assert "commands_forwarded:" in out
    for r in redis3:
        assert r.get("from-cli") == b"hello world"


def test_redis_benchmark(procs, redis3, proxy3):
    r = subprocess.run([REDIS_BENCHMARK, "-p", str(proxy3.port), "-t", "set,get", "-n", "2000", "-q"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "SET:" in r.stdout and "GET:" in r.stdout, r.stdout
    assert "requests per second" in r.stdout
    assert "error" not in (r.stdout + r.stderr).lower(), r.stdout + r.stderr
    # redis-benchmark's SET writes key:__rand_int__ with a 3-byte value:
    # every database holds it, the same.
    values = [db.get("key:__rand_int__") for db in redis3]
    assert values[0] is not None and len(values[0]) == 3, values
    assert values == [values[0]] * 3, values
