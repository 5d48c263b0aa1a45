"""dbsync-check --resync: a diverged database is brought back while writes
go on through dbsyncd (docs/operations.md, "A diverged database"), and
ends identical to the others, with every write applied exactly once."""

import threading

from harness import wait_until
from test_check import run_check

DEBUG = ["--enable-debug-command", "yes"]


class Load(threading.Thread):
    """One connection through dbsyncd (made by `connect`, d.client() unless
    given): INCRs of a counter and SETs, each reply checked, until stopped."""

    def __init__(self, d, connect=None):
        super().__init__(daemon=True)
        self.connect = connect or d.client
        self.stop, self.incrs, self.error = threading.Event(), 0, None

    def run(self):
        try:
            with self.connect() as c:
                i = 0
                while not self.stop.is_set():
                    assert c.command("INCR", "resync:n") == self.incrs + 1
                    self.incrs += 1
                    assert c.command("SET", f"resync:k{i % 500}", str(i)) == "OK"
                    i += 1
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e


def digest(r):
    with r.client() as c:
        return c.command("DEBUG", "DIGEST")


def test_a_database_restarted_empty_is_resynced_under_load(procs, tmp_path):
    a, b = procs.start_redis(2, args=DEBUG)
    d = procs.start_dbsyncd([a, b], ["--journal-dir", str(tmp_path / "journal")])
    with d.client() as c:
        assert c.pipeline([("SET", f"k{i}", "v" * 50) for i in range(2000)]) == ["OK"] * 2000
    wait_until(lambda: d.info()["db1"]["behind_entries"] == "0", 10, "b has everything")
    # No persistence: back empty, so it is diverged, not caught up on a partial history.
    b.kill()
    b.start()
    wait_until(lambda: d.info()["db1"]["state"] == "diverged", 10, "b diverged")
    assert "restarted empty" in d.log()

    load = Load(d)
    load.start()
    wait_until(lambda: load.incrs > 200, 10, "load running")
    r = run_check("--resync", "db1", "--from-dbsyncd", f"127.0.0.1:{d.port}", "--resync-timeout", "60")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "db1 is up" in r.stdout, r.stdout
    wait_until(lambda: load.incrs > 400, 10, "load still running after the resync")
    load.stop.set()
    load.join(10)
    assert load.error is None, repr(load.error)

    wait_until(lambda: all(d.info()[n]["behind_entries"] == "0" for n in ("db0", "db1")), 10, "both caught up")
    assert d.info()["db1"]["state"] == "up"
    # Every INCR answered was applied once on each, and the data is the same.
    assert a.get("resync:n") == b.get("resync:n") == str(load.incrs).encode()
    wait_until(lambda: digest(a) == digest(b), 10, "equal digests")
    assert run_check("-d", f"{a.address},{b.address}", "--skip-prefix", "").returncode == 0


def test_resync_refuses_a_database_that_is_not_diverged(procs, tmp_path):
    a, b = procs.start_redis(2)
    d = procs.start_dbsyncd([a, b], ["--journal-dir", str(tmp_path / "journal")])
    r = run_check("--resync", "db1", "--from-dbsyncd", f"127.0.0.1:{d.port}")
    assert r.returncode == 2
    assert "db1 is up, not diverged: nothing to resync" in r.stderr, r.stderr
    r = run_check("--resync", "db1", "-d", f"{a.address},{b.address}")
    assert r.returncode == 2 and "--from-dbsyncd" in r.stderr, r.stderr


def test_resync_names_a_database_that_exists(procs, tmp_path):
    a, b = procs.start_redis(2)
    d = procs.start_dbsyncd([a, b], ["--journal-dir", str(tmp_path / "journal")])
    with d.client() as c:
        for name in ("db2", "db99999999999999999999999", "dbx", "1"):
            reply = c.command("DBSYNC", "RESYNC", name, "BEGIN")
            assert "no database " + name in str(reply), reply
        assert c.command("PING") == "PONG"


def test_resync_needs_a_journal(procs):
    a, b = procs.start_redis(2)
    d = procs.start_dbsyncd([a, b])
    with d.client() as c:
        reply = c.command("DBSYNC", "RESYNC", "db1", "BEGIN")
    assert "needs a journal" in str(reply)
