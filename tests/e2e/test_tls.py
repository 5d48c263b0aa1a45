"""Signing keys, daemon side: with -s/--pubkey the port speaks only TLS 1.3
and serves only clients whose certificate carries a trusted key; the daemon
presents its own key, made once in --state-dir and kept, for PHP to pin.

Everything is real: keys and certificates made by the openssl CLI, the real
dbsyncd, real redis-servers, redis-cli/redis-benchmark with --tls, and
Python's ssl module for the clients that must be turned away. "Nothing
reached Redis" is checked on the redis-servers themselves.
"""

import hashlib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest

import harness
from harness import DBSYNCD, REDIS_BENCHMARK, REDIS_CLI, Client, encode, parse_info, wait_until

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"

# key name -> openssl genpkey arguments
KEY_SPECS = {
    "rsa2048": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "p384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    "ed25519": ["-algorithm", "ED25519"],
    "other_ed25519": ["-algorithm", "ED25519"],
    "rsa1024": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
    "secp256k1": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
}
GOOD_KEYS = ["rsa2048", "p256", "p384", "ed25519"]


def openssl(*args):
    subprocess.run([OPENSSL, *args], check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)


class Key:
    """A private key, its public key and a self-signed certificate, as files."""

    def __init__(self, directory, name, spec):
        self.name = name
        self.private = os.path.join(directory, f"{name}.pem")
        self.public = os.path.join(directory, f"{name}.pub")
        self.cert = os.path.join(directory, f"{name}.crt")
        # The commands install.txt gives.
        openssl("genpkey", *spec, "-out", self.private)
        openssl("pkey", "-in", self.private, "-pubout", "-out", self.public)
        openssl("req", "-new", "-x509", "-key", self.private, "-out", self.cert, "-days", "3650",
                "-subj", "/CN=php-app")


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("keys"))
    return {name: Key(directory, name, spec) for name, spec in KEY_SPECS.items()}


# --------------------------------------------------------------------- clients


def client_context(key=None, max_version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    # Like redis-cli --insecure: the tests that are about the daemon's own
    # key look at it themselves (server_fingerprint()).
    ctx.verify_mode = ssl.CERT_NONE
    if max_version:
        ctx.maximum_version = max_version
    if key:
        ctx.load_cert_chain(key.cert, key.private)
    return ctx


class TlsClient(Client):
    """harness.Client over TLS, authenticated by `key`."""

    def __init__(self, port, key, timeout=harness.REPLY_TIMEOUT):
        super().__init__(port, timeout=timeout)
        self.sock = client_context(key).wrap_socket(self.sock)


def tls_info(daemon, key):
    with TlsClient(daemon.port, key) as c:
        return parse_info(c.command("DBSYNC", "INFO"))


def start_tls_daemon(procs, redis, pubkeys, extra=()):
    args = []
    for k in pubkeys:
        args += ["-s", k if isinstance(k, str) else k.public]
    return procs.start_dbsyncd(redis, args=args + list(extra))


def dbsize(servers):
    total = 0
    for r in servers:
        with r.client() as c:
            total += c.command("DBSIZE")
    return total


def client_hello():
    """The first flight of a real TLS 1.3 client, as bytes."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_context().wrap_bio(incoming, outgoing)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    assert hello[:1] == b"\x16" and len(hello) > 100
    return hello


# --------------------------------------------------------------------- accepted


def test_each_key_type_is_accepted(procs, keys):
    redis = procs.start_redis(2)
    # A comma list and a repeated flag together.
    d = procs.start_dbsyncd(redis, args=[
        "-s", f"{keys['rsa2048'].public},{keys['p256'].public}",
        "--pubkey", keys["p384"].public, "-s", keys["ed25519"].public])
    for name in GOOD_KEYS:
        with TlsClient(d.port, keys[name]) as c:
            assert c.sock.version() == "TLSv1.3"
            # The daemon's preference wins over the client's (Python's
            # default order puts AES-256-GCM first).
            assert c.sock.cipher()[0] == "TLS_AES_128_GCM_SHA256"
            assert c.command("SET", f"key:{name}", name) == "OK"
            assert c.command("GET", f"key:{name}") == name.encode()
    for r in redis:
        for name in GOOD_KEYS:
            assert r.get(f"key:{name}") == name.encode()
    info = tls_info(d, keys["ed25519"])
    assert info["tls"] == "on"
    assert info["tls_trusted_keys"] == "4"
    assert int(info["tls_handshakes_accepted"]) >= 5


def test_commands_in_the_same_segment_as_the_handshake_end_are_answered(procs, keys):
    # The client's Finished and its first commands reach the daemon in one
    # read: OpenSSL's read-ahead takes them all during the handshake, where
    # epoll no longer sees them. They must still be answered, at once.
    redis = procs.start_redis(1)
    d = start_tls_daemon(procs, [redis], [keys["ed25519"]])
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_context(keys["ed25519"]).wrap_bio(incoming, outgoing)
    with socket.create_connection(("127.0.0.1", d.port), timeout=harness.REPLY_TIMEOUT) as sock:
        while True:
            try:
                obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                flight = outgoing.read()
                if flight:
                    sock.sendall(flight)
                data = sock.recv(65536)
                assert data, "daemon closed during the handshake"
                incoming.write(data)
        obj.write(b"*3\r\n$3\r\nSET\r\n$4\r\nseen\r\n$3\r\nyes\r\n*1\r\n$4\r\nPING\r\n")
        sock.sendall(outgoing.read())  # Finished + both commands, one send
        want = b"+OK\r\n+PONG\r\n"
        got = b""
        while len(got) < len(want):
            try:
                got += obj.read(65536)
            except ssl.SSLWantReadError:
                data = sock.recv(65536)  # times out (fails) if the daemon sits on the input
                assert data, "daemon closed the connection"
                incoming.write(data)
        assert got == want
    assert redis.get("seen") == b"yes"


def test_redis_cli_with_tls_cert_and_key_gets_pong(procs, keys):
    redis = procs.start_redis(1)
    d = start_tls_daemon(procs, [redis], [keys["rsa2048"], keys["ed25519"]])
    for name in ("rsa2048", "ed25519"):
        k = keys[name]
        base = [REDIS_CLI, "--tls", "--insecure", "--cert", k.cert, "--key", k.private, "-p", str(d.port)]
        r = subprocess.run(base + ["PING"], capture_output=True, text=True, timeout=20)
        assert r.stdout.strip() == "PONG", r.stdout + r.stderr
        r = subprocess.run(base + ["SET", f"cli:{name}", "yes"], capture_output=True, text=True, timeout=20)
        assert r.stdout.strip() == "OK", r.stdout + r.stderr
        assert redis.get(f"cli:{name}") == b"yes"


def test_redis_benchmark_over_tls(procs, keys):
    redis = procs.start_redis(2)
    k = keys["p256"]
    d = start_tls_daemon(procs, redis, [k])
    r = subprocess.run([REDIS_BENCHMARK, "--tls", "--insecure", "--cert", k.cert, "--key", k.private,
                        "-p", str(d.port), "-t", "set", "-n", "3000", "-c", "10", "-P", "8", "-d", "3000",
                        "-r", "100", "-q"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "requests per second" in r.stdout, r.stdout + r.stderr
    for server in redis:
        with server.client() as c:
            assert c.command("DBSIZE") > 0
    info = tls_info(d, k)
    assert info["commands_failed"] == "0"


def test_large_values_and_pipelines_cross_tls_intact(procs, keys):
    """Many TLS records per request and per reply, partial writes, pipelining."""
    redis = procs.start_redis(2)
    k = keys["ed25519"]
    d = start_tls_daemon(procs, redis, [k])
    big = os.urandom(3 << 20)
    with TlsClient(d.port, k) as c:
        assert c.command("SET", "big", big) == "OK"
        assert c.command("GET", "big") == big
        replies = c.pipeline([("SET", f"p{i}", "x" * (i % 700)) for i in range(2000)])
        assert replies == ["OK"] * 2000
        replies = c.pipeline([("GET", f"p{i}") for i in range(2000)])
        assert replies == [b"x" * (i % 700) for i in range(2000)]
    for r in redis:
        assert r.get("big") == big


def test_backpressure_over_tls_loses_nothing(procs, keys):
    """Reading pauses and resumes (--client-max-inflight) with input that
    may already sit decrypted inside OpenSSL, where epoll cannot see it."""
    redis = procs.start_redis(2)
    k = keys["ed25519"]
    d = start_tls_daemon(procs, redis, [k], extra=["--client-max-inflight", "2"])
    with TlsClient(d.port, k) as c:
        n = 3000
        replies = c.pipeline([("INCR", "counter")] + [("SET", f"b{i}", "v" * 50) for i in range(n)]
                             + [("INCR", "counter")])
        assert replies == [1] + ["OK"] * n + [2]
    # --ack one: the slower database may still be applying the last INCR.
    for r in redis:
        wait_until(lambda: r.get("counter") == b"2", 10, f"{r.name} to apply both INCRs")


# --------------------------------------------------------------------- rejected


def attempt_plain_text(port, keys):
    with Client(port, timeout=5) as c:
        c.send_raw(encode("SET", "poison", "plain"))
        got = b""
        try:
            while True:
                data = c.sock.recv(4096)
                if not data:
                    break
                got += data
        except (ConnectionResetError, socket.timeout):
            pass
        return c.sock.getsockname()[1], got


def attempt_tls(port, key, max_version=None):
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    local = raw.getsockname()[1]
    try:
        s = client_context(key, max_version).wrap_socket(raw)
        # TLS 1.3: the client's handshake may end before the server has
        # judged its certificate; the command is then refused.
        s.sendall(encode("SET", "poison", "tls"))
        data = s.recv(4096)
        assert data == b"", f"an unauthenticated client got a reply: {data!r}"
    except (ssl.SSLError, OSError):
        pass
    finally:
        raw.close()
    return local, None


def attempt_raw(port, payload, then_close=True):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    local = s.getsockname()[1]
    try:
        s.sendall(payload)
        if not then_close:
            s.recv(4096)
    except OSError:
        pass
    finally:
        s.close()
    return local, None


REJECTED = {
    "plain_text": lambda port, keys: attempt_plain_text(port, keys),
    "no_certificate": lambda port, keys: attempt_tls(port, None),
    "foreign_key": lambda port, keys: attempt_tls(port, keys["other_ed25519"]),
    "foreign_rsa_key": lambda port, keys: attempt_tls(port, keys["p384"]),
    "tls_1_2": lambda port, keys: attempt_tls(port, keys["ed25519"], ssl.TLSVersion.TLSv1_2),
    "garbage": lambda port, keys: attempt_raw(port, bytes(range(256)) * 4, then_close=False),
    "garbage_tls_header": lambda port, keys: attempt_raw(port, b"\x16\x03\x01\x00\x10" + os.urandom(64),
                                                         then_close=False),
    "truncated_handshake": lambda port, keys: attempt_raw(port, client_hello()[:60]),
    "closed_at_once": lambda port, keys: attempt_raw(port, b""),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_unauthenticated_clients_are_rejected_and_reach_nothing(procs, keys, case):
    redis = procs.start_redis(2)
    d = start_tls_daemon(procs, redis, [keys["ed25519"], keys["rsa2048"]])
    before = int(tls_info(d, keys["ed25519"])["tls_handshakes_rejected"])
    local_port, got = REJECTED[case](d.port, keys)
    peer = f"127.0.0.1:{local_port}"

    def logged():
        lines = [l for l in d.log().splitlines() if "rejected" in l and peer in l]
        return lines if lines else None

    wait_until(logged, 10, f"the rejection of {peer} in the log")
    # A second rejection, logged after everything the loop did for the
    # first one: a repeated line for the first peer would be in the log by now.
    marker_port, _ = REJECTED["plain_text"](d.port, keys)
    wait_until(lambda: f"127.0.0.1:{marker_port}" in d.log(), 10, "the second rejection in the log")
    lines = logged()
    assert len(lines) == 1, lines  # once, with the peer address
    info = tls_info(d, keys["ed25519"])
    assert int(info["tls_handshakes_rejected"]) == before + 2  # the peer, and the marker
    assert info["commands_forwarded"] == "0"
    assert info["connected_clients"] == "1"  # the INFO client itself
    assert dbsize(redis) == 0
    if case == "plain_text":
        # A plain Redis client is told why, in RESP, and nothing else.
        assert got.startswith(b"-ERR") and b"TLS" in got, got


def test_stalled_handshakes_are_closed_after_the_timeout(procs, keys):
    redis = procs.start_redis(1)
    k = keys["ed25519"]
    d = start_tls_daemon(procs, [redis], [k], extra=["--handshake-timeout", "400"])
    hello = client_hello()
    silent = socket.create_connection(("127.0.0.1", d.port), timeout=10)
    half = socket.create_connection(("127.0.0.1", d.port), timeout=10)
    half.sendall(hello[:len(hello) // 2])
    start = time.monotonic()
    for s in (silent, half):
        try:
            assert s.recv(100) == b""
        except ConnectionResetError:
            pass
    elapsed = time.monotonic() - start
    assert 0.2 <= elapsed < 8, elapsed
    for s in (silent, half):
        peer = f"127.0.0.1:{s.getsockname()[1]}"
        s.close()
        wait_until(lambda: f"rejected from {peer}: TLS handshake not completed within 400 ms" in d.log(), 5,
                   "the timeout in the log")
    info = tls_info(d, k)
    assert int(info["tls_handshake_timeouts"]) == 2
    assert dbsize([redis]) == 0


def test_many_rejected_connections_do_not_stop_authenticated_clients(procs, keys):
    redis = procs.start_redis(1)
    k = keys["p256"]
    d = start_tls_daemon(procs, [redis], [k], extra=["--handshake-timeout", "3000"])
    stop = threading.Event()
    stalled = []

    def flood(kind):
        while not stop.is_set():
            try:
                if kind == "foreign":
                    attempt_tls(d.port, keys["other_ed25519"])
                elif kind == "garbage":
                    attempt_raw(d.port, os.urandom(200))
                else:
                    s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
                    s.sendall(client_hello()[:30])
                    stalled.append(s)
                    if len(stalled) > 300:
                        stop.wait(0.05)
            except OSError:
                pass

    threads = [threading.Thread(target=flood, args=(kind,), daemon=True)
               for kind in ("foreign", "foreign", "garbage", "stall")]
    for t in threads:
        t.start()
    try:
        time.sleep(0.3)
        with TlsClient(d.port, k, timeout=10) as c:
            worst = 0.0
            for i in range(300):
                t0 = time.monotonic()
                assert c.command("SET", f"good{i}", i) == "OK"
                worst = max(worst, time.monotonic() - t0)
        # A generous bound: only a daemon stuck behind the flood fails it.
        assert worst < 2.0, worst
        # New authenticated connections still get through as well.
        for _ in range(5):
            with TlsClient(d.port, k, timeout=10) as c:
                assert c.command("PING") == "PONG"
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)
        for s in stalled:
            s.close()
    with redis.client() as c:
        assert c.command("DBSIZE") == 300
    info = tls_info(d, k)
    assert int(info["tls_handshakes_rejected"]) > 20
    assert info["commands_forwarded"] == "300"


# --------------------------------------------------------------------- key files


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


BAD_KEY_FILES = {
    "missing": (lambda d, keys: os.path.join(d, "nope.pub"), "No such file"),
    "directory": (lambda d, keys: d, "directory"),
    "private_key": (lambda d, keys: keys["ed25519"].private, "private key"),
    "certificate": (lambda d, keys: keys["ed25519"].cert, "certificate"),
    "rsa_1024": (lambda d, keys: keys["rsa1024"].public, "too weak"),
    "secp256k1": (lambda d, keys: keys["secp256k1"].public, "not supported"),
    "garbage": (lambda d, keys: write(os.path.join(d, "junk.pub"), "hello\n"), "no public key"),
    "damaged": (lambda d, keys: write(os.path.join(d, "damaged.pub"),
                                      "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), "damaged"),
}


@pytest.mark.parametrize("case", sorted(BAD_KEY_FILES))
def test_bad_key_file_stops_the_daemon_with_a_clear_message(tmp_path, keys, case):
    make, words = BAD_KEY_FILES[case]
    path = make(str(tmp_path), keys)
    # The good key first: one bad file among good ones is still fatal.
    r = subprocess.run([DBSYNCD, "-p", str(harness.free_port()), "-s", keys["ed25519"].public, "-s", path,
                        "--state-dir", str(tmp_path / "state")],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
    assert r.returncode == 1, r.stderr
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert any(path in l and words in l for l in lines), r.stderr


def without_file_override():
    """Root reads any file through CAP_DAC_OVERRIDE: drop it (and
    CAP_DAC_READ_SEARCH) for the daemon, which stays root in every other
    way, so it still reaches its build directory and libraries."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        pytest.skip("running as root without setpriv")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def test_unreadable_key_file_stops_the_daemon(tmp_path, keys):
    path = str(tmp_path / "locked.pub")
    shutil.copy(keys["ed25519"].public, path)
    readable = subprocess.run([*without_file_override(), "cat", path], capture_output=True)
    assert readable.returncode == 0, "the key file must be readable before its mode is taken away"
    os.chmod(path, 0)
    r = subprocess.run([*without_file_override(), DBSYNCD, "-p", str(harness.free_port()), "-s", path,
                        "--state-dir", str(tmp_path / "state")],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1 and "Permission denied" in r.stderr and path in r.stderr, r.stderr


@pytest.mark.parametrize("args, flag", [
    (["--tls-cert", "/x.crt", "--tls-key", "/x.pem"], "--tls-cert"),
    (["-s", "/x.pub", "--tls-cert", "/x.crt"], "--tls-"),
    (["-s", "/x.pub", "--handshake-timeout", "0"], "--handshake-timeout"),
    (["-s", ","], "--pubkey"),
    (["-s", "/x.pub", "--state-dir", ""], "--state-dir"),
])
def test_tls_usage_errors(args, flag):
    r = subprocess.run([DBSYNCD, *args], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2, r.stderr
    assert flag in r.stderr


# --------------------------------------------------------------------- rotation


def test_sighup_rotates_keys_and_existing_sessions_carry_on(procs, keys, tmp_path):
    redis = procs.start_redis(1)
    old, new = keys["rsa2048"], keys["ed25519"]
    trusted = str(tmp_path / "trusted.pub")
    shutil.copy(old.public, trusted)
    d = start_tls_daemon(procs, [redis], [trusted])
    established = TlsClient(d.port, old)
    assert established.command("SET", "before", "1") == "OK"

    shutil.copy(new.public, trusted)
    d.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "reloaded keys" in d.log(), 10, "the reload in the log")

    with TlsClient(d.port, new) as c:
        assert c.command("SET", "new-key", "1") == "OK"
    attempt_tls(d.port, old)  # the old key no longer opens new connections
    assert redis.get("poison") is None
    # ... but the session it opened before the reload carries on.
    assert established.command("SET", "after", "1") == "OK"
    established.close()

    # A broken file on SIGHUP: logged, and the keys in force stay.
    write(trusted, "not a key\n")
    d.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "keys not reloaded" in d.log(), 10, "the failed reload in the log")
    with TlsClient(d.port, new) as c:
        assert c.command("GET", "new-key") == b"1"
        info = parse_info(c.command("DBSYNC", "INFO"))
    assert info["tls_key_reloads"] == "1"
    assert info["tls_key_reload_failures"] == "1"
    assert redis.get("after") == b"1"


# --------------------------------------------------------------------- server certificate


def test_configured_server_certificate_is_presented(procs, keys):
    redis = procs.start_redis(1)
    server = keys["p384"]
    d = start_tls_daemon(procs, [redis], [keys["ed25519"]],
                         extra=["--tls-cert", server.cert, "--tls-key", server.private])
    ctx = client_context(keys["ed25519"])
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(server.cert)  # self-signed: its own CA
    with socket.create_connection(("127.0.0.1", d.port), timeout=10) as raw:
        with ctx.wrap_socket(raw) as s:
            s.sendall(encode("PING"))
            assert s.recv(100) == b"+PONG\r\n"


def der_fingerprint(spki_der):
    return "sha256:" + hashlib.sha256(spki_der).hexdigest()


def pem_fingerprint(pem_path):
    """The fingerprint of a public key file, as docs/php.md says to compute it."""
    out = subprocess.run([OPENSSL, "pkey", "-pubin", "-in", pem_path, "-outform", "DER"], check=True,
                         capture_output=True, timeout=20).stdout
    return der_fingerprint(out)


def server_fingerprint(port, key):
    """The fingerprint of the key in the certificate the daemon presents."""
    with TlsClient(port, key) as c:
        cert = c.sock.getpeercert(binary_form=True)
        assert c.command("PING") == "PONG"
    pem = subprocess.run([OPENSSL, "x509", "-inform", "DER", "-pubkey", "-noout"], input=cert, check=True,
                         capture_output=True, timeout=20).stdout
    der = subprocess.run([OPENSSL, "pkey", "-pubin", "-outform", "DER"], input=pem, check=True,
                         capture_output=True, timeout=20).stdout
    return der_fingerprint(der)


def logged_pin(daemon):
    """The dbsync.server_pubkey value the daemon's start-up log tells operators to set."""
    m = re.search(r"dbsync\.server_pubkey = (sha256:[0-9a-f]{64})", daemon.log())
    return m.group(1) if m else None


def test_server_key_is_made_once_and_kept_across_restarts(procs, keys, tmp_path):
    redis = procs.start_redis(1)
    state = tmp_path / "state"
    client = keys["ed25519"]
    first = procs.start_dbsyncd([redis], args=["-s", client.public], state_dir=str(state))
    key_file, pub_file = state / "tls-server-key.pem", state / "tls-server-pubkey.pem"
    # Made on the first start: the private key for dbsyncd only, the public
    # key for operators to copy.
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert pub_file.stat().st_mode & 0o777 == 0o644
    assert "PRIVATE KEY" not in pub_file.read_text()
    presented = server_fingerprint(first.port, client)
    assert presented == pem_fingerprint(str(pub_file))
    assert logged_pin(first) == presented
    assert f"made a new server key in {key_file}" in first.log()
    assert str(pub_file) in first.log()
    key_text = key_file.read_bytes()

    # SIGHUP reads it again: the same key.
    first.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "reloaded keys" in first.log(), 10, "the reload in the log")
    assert server_fingerprint(first.port, client) == presented
    assert first.terminate() == 0

    # A restart, and a second start on the same directory: the same key,
    # nothing rewritten.
    again = procs.start_dbsyncd([redis], args=["-s", client.public], state_dir=str(state))
    assert server_fingerprint(again.port, client) == presented
    assert logged_pin(again) == presented
    assert "made a new server key" not in again.log()
    assert key_file.read_bytes() == key_text

    # Another state directory is another identity.
    other = procs.start_dbsyncd([redis], args=["-s", client.public], state_dir=str(tmp_path / "other"))
    assert server_fingerprint(other.port, client) != presented


def test_public_key_file_is_rewritten_from_the_key(procs, keys, tmp_path):
    redis = procs.start_redis(1)
    state = tmp_path / "state"
    client = keys["ed25519"]
    d = procs.start_dbsyncd([redis], args=["-s", client.public], state_dir=str(state))
    pin = logged_pin(d)
    assert d.terminate() == 0
    pub_file = state / "tls-server-pubkey.pem"
    shutil.copy(keys["p256"].public, pub_file)  # a stale or edited copy
    d = procs.start_dbsyncd([redis], args=["-s", client.public], state_dir=str(state))
    assert pem_fingerprint(str(pub_file)) == pin == server_fingerprint(d.port, client)


def test_sighup_keeps_the_server_key_when_the_file_turns_bad(procs, keys, tmp_path):
    redis = procs.start_redis(1)
    state = tmp_path / "state"
    client = keys["ed25519"]
    d = procs.start_dbsyncd([redis], args=["-s", client.public], state_dir=str(state))
    pin = server_fingerprint(d.port, client)
    key_file = state / "tls-server-key.pem"
    os.chmod(key_file, 0o640)
    d.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "keys not reloaded" in d.log(), 10, "the failed reload in the log")
    assert f"{key_file}: the server's private key is open to other users (mode 0640)" in d.log()
    # Neither a new key nor none: the one PHP hosts pinned.
    assert server_fingerprint(d.port, client) == pin
    assert int(tls_info(d, client)["tls_key_reload_failures"]) == 1


def state_dir_is_a_file(tmp_path, keys):
    path = tmp_path / "state"
    path.write_text("not a directory\n")
    return path, [str(path), "not a directory"]


def state_dir_parent_missing(tmp_path, keys):
    path = tmp_path / "missing" / "state"
    return path, [str(path), "cannot create it", "No such file or directory"]


def key_damaged(tmp_path, keys):
    path = tmp_path / "state"
    path.mkdir()
    (path / "tls-server-key.pem").write_text("-----BEGIN PRIVATE KEY-----\nbm9wZQ==\n-----END PRIVATE KEY-----\n")
    os.chmod(path / "tls-server-key.pem", 0o600)
    return path, [str(path / "tls-server-key.pem"), "cannot read the private key"]


def key_open_to_others(tmp_path, keys):
    path = tmp_path / "state"
    path.mkdir()
    shutil.copy(keys["p256"].private, path / "tls-server-key.pem")
    os.chmod(path / "tls-server-key.pem", 0o644)
    return path, [str(path / "tls-server-key.pem"), "open to other users (mode 0644)", "chmod 600"]


def key_weak(tmp_path, keys):
    path = tmp_path / "state"
    path.mkdir()
    shutil.copy(keys["rsa1024"].private, path / "tls-server-key.pem")
    os.chmod(path / "tls-server-key.pem", 0o600)
    return path, [str(path / "tls-server-key.pem"), "too weak"]


def key_dangling_symlink(tmp_path, keys):
    path = tmp_path / "state"
    path.mkdir()
    os.symlink(tmp_path / "gone.pem", path / "tls-server-key.pem")
    return path, [str(path / "tls-server-key.pem"), "No such file or directory"]


def state_dir_read_only(tmp_path, keys):
    path = tmp_path / "state"
    path.mkdir()
    os.chmod(path, 0o500)
    return path, [str(path / "tls-server-key.pem"), "cannot write", "Permission denied"]


BAD_STATE = {
    "not_a_directory": state_dir_is_a_file,
    "parent_missing": state_dir_parent_missing,
    "damaged_key": key_damaged,
    "key_open_to_others": key_open_to_others,
    "weak_key": key_weak,
    "dangling_symlink": key_dangling_symlink,
    "read_only": state_dir_read_only,
}


@pytest.mark.parametrize("case", sorted(BAD_STATE))
def test_server_key_that_cannot_be_kept_stops_the_daemon(tmp_path, keys, case):
    state, words = BAD_STATE[case](tmp_path, keys)
    before = sorted(os.listdir(state)) if state.is_dir() else None
    port = harness.free_port()
    r = subprocess.run([*without_file_override(), DBSYNCD, "-p", str(port), "-s", keys["ed25519"].public,
                        "--state-dir", str(state)],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
    # Fails closed: no ephemeral key instead, no listening port.
    assert r.returncode == 1, r.stderr
    errors = [l for l in r.stderr.splitlines() if "error" in l]
    assert len(errors) == 1, r.stderr
    assert all(w in errors[0] for w in words), r.stderr
    assert "--state-dir" in errors[0] and "--tls-cert" in errors[0], r.stderr
    assert "listening" not in r.stderr
    if before is not None:
        assert sorted(os.listdir(state)) == before  # nothing replaced, nothing left behind


def test_tls_cert_and_key_override_the_state_key(procs, keys, tmp_path):
    redis = procs.start_redis(1)
    state = tmp_path / "state"
    server = keys["p384"]
    d = start_tls_daemon(procs, [redis], [keys["ed25519"]],
                         extra=["--tls-cert", server.cert, "--tls-key", server.private, "--state-dir", str(state)])
    assert server_fingerprint(d.port, keys["ed25519"]) == pem_fingerprint(server.public) == logged_pin(d)
    assert not state.exists()


def test_state_dir_defaults_to_STATE_DIRECTORY(keys, tmp_path):
    """Under systemd, StateDirectory=dbsyncd sets $STATE_DIRECTORY."""
    state = tmp_path / "from-systemd"
    state.mkdir(mode=0o700)
    port = harness.free_port()
    env = dict(os.environ, STATE_DIRECTORY=f"{state}:{tmp_path / 'second'}")
    log = tmp_path / "dbsyncd.log"
    with open(log, "wb") as out:
        p = subprocess.Popen([DBSYNCD, "-p", str(port), "-s", keys["ed25519"].public, "-d", "redis:127.0.0.1:1"],
                             stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env)
    try:
        wait_until(lambda: "listening on" in log.read_text() or p.poll() is not None, 15, "dbsyncd to start")
        assert p.poll() is None, log.read_text()
        assert (state / "tls-server-key.pem").exists()
        assert server_fingerprint(port, keys["ed25519"]) == pem_fingerprint(str(state / "tls-server-pubkey.pem"))
    finally:
        p.terminate()
        p.wait(timeout=15)
    assert not (tmp_path / "second").exists()


def test_without_pubkey_the_port_stays_plain(proxy3):
    with proxy3.client() as c:
        assert c.command("PING") == "PONG"
        assert parse_info(c.command("DBSYNC", "INFO"))["tls"] == "off"
