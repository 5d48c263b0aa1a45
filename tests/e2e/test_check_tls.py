"""dbsync-check --from-dbsyncd against a dbsyncd started with --pubkey (TLS
1.3 only): --signkey, --server-pubkey and --no-server-verify play the parts
of php.ini's dbsync.signkey, dbsync.server_pubkey and dbsync.server_verify =
0 (docs/operations.md, "Checking and repairing"). The DBSYNC INFO read and
the whole --resync conversation go over TLS; every way that cannot work
ends with exit status 2 and one line that says what to change.

Real keys made by the openssl CLI, the real dbsyncd and redis-servers."""

import os
import time

import pytest

from harness import wait_until
from test_check import divergent_lines, on, run_check
from test_resync import DEBUG, Load, digest
from test_tls import Key, TlsClient, logged_pin, tls_info

ED25519 = ["-algorithm", "ED25519"]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("check-keys"))
    return {name: Key(directory, name, ED25519) for name in ("client", "stranger")}


def tls_daemon(procs, servers, key, extra=()):
    return procs.start_dbsyncd(servers, args=["-s", key.public, *extra])


def server_pubkey_file(d):
    """The copy of its key dbsyncd writes for clients to pin."""
    return os.path.join(d.state_dir, "tls-server-pubkey.pem")


def over_tls(d, key, pin=None):
    return ["--from-dbsyncd", f"127.0.0.1:{d.port}", "--signkey", key.private,
            "--server-pubkey", pin or server_pubkey_file(d)]


def one_line_exit_2(r):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == "" and r.stderr.count("\n") == 1, r.stderr
    return r.stderr


# ------------------------------------------------------------------ checking


def test_check_through_a_tls_dbsyncd_finds_equality_and_a_difference(procs, keys):
    a, b = procs.start_redis(2)
    client = keys["client"]
    d = tls_daemon(procs, [a, b], client)
    with TlsClient(d.port, client) as c:
        assert c.pipeline([("SET", f"k{i}", f"v{i}") for i in range(100)]) == ["OK"] * 100
    wait_until(lambda: a.get("k99") == b.get("k99") == b"v99", 10, "both databases to hold every write")

    accepted = int(tls_info(d, client)["tls_handshakes_accepted"])
    r = run_check(*over_tls(d, client), "--round-delay", 10)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "summary: 100 keys compared, 0 divergent" in r.stdout, r.stdout
    # The list came over TLS, from a client dbsyncd authenticated: the
    # check's handshake and the one of this INFO.
    assert int(tls_info(d, client)["tls_handshakes_accepted"]) == accepted + 2

    on(b, "SET", "k7", "changed behind dbsyncd's back")
    # The pin as a file, as the fingerprint dbsyncd logs, or none at all.
    for flags in (over_tls(d, client), over_tls(d, client, pin=logged_pin(d)),
                  ["--from-dbsyncd", f"127.0.0.1:{d.port}", "--signkey", client.private, "--no-server-verify"]):
        r = run_check(*flags, "--round-delay", 10)
        assert r.returncode == 1, r.stdout + r.stderr
        assert list(divergent_lines(r.stdout)) == ["k7"], r.stdout
        assert "db1=value" in divergent_lines(r.stdout)["k7"]

    on(b, "SET", "k7", "v7")
    r = run_check(*over_tls(d, client), "--round-delay", 10)
    assert r.returncode == 0, r.stdout + r.stderr


def test_resync_through_a_tls_dbsyncd_under_load(procs, keys, tmp_path):
    a, b = procs.start_redis(2, args=DEBUG)
    client = keys["client"]
    d = tls_daemon(procs, [a, b], client, ["--journal-dir", str(tmp_path / "journal")])
    with TlsClient(d.port, client) as c:
        assert c.pipeline([("SET", f"k{i}", "v" * 50) for i in range(2000)]) == ["OK"] * 2000
    wait_until(lambda: tls_info(d, client)["db1"]["behind_entries"] == "0", 10, "b has everything")
    b.kill()
    b.start()
    wait_until(lambda: tls_info(d, client)["db1"]["state"] == "diverged", 10, "b diverged")

    load = Load(d, connect=lambda: TlsClient(d.port, client))
    load.start()
    wait_until(lambda: load.incrs > 200, 10, "load running")
    r = run_check("--resync", "db1", *over_tls(d, client), "--resync-timeout", "60")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "db1 is up" in r.stdout, r.stdout
    wait_until(lambda: load.incrs > 400, 10, "load still running after the resync")
    load.stop.set()
    load.join(10)
    assert load.error is None, repr(load.error)

    wait_until(lambda: all(tls_info(d, client)[n]["behind_entries"] == "0" for n in ("db0", "db1")), 10,
               "both caught up")
    assert tls_info(d, client)["db1"]["state"] == "up"
    assert a.get("resync:n") == b.get("resync:n") == str(load.incrs).encode()
    wait_until(lambda: digest(a) == digest(b), 10, "equal digests")
    assert run_check(*over_tls(d, client), "--skip-prefix", "").returncode == 0


# ------------------------------------------------------------------- refused


def refused_cases(d, keys, tmp_path):
    """{case: (flags, words the one line must hold)}"""
    client, stranger = keys["client"], keys["stranger"]
    at = ["--from-dbsyncd", f"127.0.0.1:{d.port}"]
    missing = str(tmp_path / "no-such-key.pem")
    return {
        "no_signkey": (at, ["takes TLS clients only", "pass --signkey"]),
        "server_key_mismatch": (over_tls(d, client, pin=stranger.public),
                                ["server key", "--server-pubkey names another key"]),
        "server_fingerprint_mismatch": (over_tls(d, client, pin=logged_pin(d)[:-4] + "0000"),
                                        ["--server-pubkey names another key"]),
        "client_key_not_trusted": (over_tls(d, stranger), ["refused this client's key", "dbsyncd --pubkey"]),
        "missing_signkey_file": (at + ["--signkey", missing, "--server-pubkey", server_pubkey_file(d)],
                                 [f"--signkey {missing}: No such file or directory"]),
        "signkey_is_a_public_key": (at + ["--signkey", client.public, "--server-pubkey", server_pubkey_file(d)],
                                    [f"--signkey {client.public}:", "private key"]),
        "missing_server_pubkey_file": (at + ["--signkey", client.private, "--server-pubkey", missing],
                                       [f"--server-pubkey {missing}: No such file or directory"]),
    }


CASES = ["no_signkey", "server_key_mismatch", "server_fingerprint_mismatch", "client_key_not_trusted",
         "missing_signkey_file", "signkey_is_a_public_key", "missing_server_pubkey_file"]


@pytest.mark.parametrize("case", CASES)
def test_a_tls_dbsyncd_that_cannot_be_spoken_to_exits_2_with_the_reason(procs, keys, tmp_path, case):
    a, b = procs.start_redis(2)
    d = tls_daemon(procs, [a, b], keys["client"], ["--journal-dir", str(tmp_path / "journal")])
    flags, words = refused_cases(d, keys, tmp_path)[case]
    for mode in ([], ["--resync", "db1"]):
        line = one_line_exit_2(run_check(*flags, *mode, "--timeout", 3000))
        for w in words:
            assert w in line, line
    # --resync stopped before it asked dbsyncd for anything.
    assert "resync begun" not in d.log()
    assert tls_info(d, keys["client"])["db1"]["state"] == "up"


def test_a_key_for_a_plain_dbsyncd_exits_2_with_the_reason(procs, keys):
    a, b = procs.start_redis(2)
    d = procs.start_dbsyncd([a, b])
    line = one_line_exit_2(run_check("--from-dbsyncd", f"127.0.0.1:{d.port}", "--signkey", keys["client"].private,
                                     "--no-server-verify"))
    assert "does not speak TLS" in line and "leave out --signkey" in line, line


@pytest.mark.parametrize("tls", [False, True])
def test_a_dbsyncd_that_never_answers_ends_within_the_timeout(procs, keys, tls):
    silent = procs.silent_server()
    flags = ["--signkey", keys["client"].private, "--no-server-verify"] if tls else []
    started = time.monotonic()
    line = one_line_exit_2(run_check("--from-dbsyncd", f"127.0.0.1:{silent.port}", *flags, "--timeout", 500))
    assert time.monotonic() - started < 10
    expected = "TLS handshake not completed within 500 ms" if tls else "no reply within 500 ms"
    assert f"dbsyncd (127.0.0.1:{silent.port}): {expected}" in line, line


@pytest.mark.parametrize("args,message", [
    (["-d", "redis:127.0.0.1:1,redis:127.0.0.1:2", "--signkey", "k.pem", "--no-server-verify"],
     "--signkey: only means something with --from-dbsyncd"),
    (["--from-dbsyncd", "127.0.0.1:1", "--signkey", "k.pem"], "--signkey: needs --server-pubkey"),
    (["--from-dbsyncd", "127.0.0.1:1", "--server-pubkey", "k.pub"], "only means something with --signkey"),
    (["--from-dbsyncd", "127.0.0.1:1", "--no-server-verify"], "only means something with --signkey"),
    (["--from-dbsyncd", "127.0.0.1:1", "--signkey", "k.pem", "--server-pubkey", "k.pub", "--no-server-verify"],
     "do not go together"),
    (["--from-dbsyncd", "127.0.0.1:1", "--signkey", ""], "--signkey: the file name is empty"),
])
def test_tls_flags_that_do_not_fit_exit_2(args, message):
    line = one_line_exit_2(run_check(*args))
    assert message in line, line
