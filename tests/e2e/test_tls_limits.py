"""What unauthenticated peers can take from a -s/--pubkey daemon: TLS
handshakes in progress have their own bound (--max-handshakes), never a
client's slot; a connection over a bound on the TLS port is refused with a
TLS alert, not plain text; and rejected handshakes cannot flood the log
(--reject-log-rate). The signed client is the real PHP extension where it
matters."""

import math
import os
import re
import socket
import ssl
import subprocess
import time

import pytest

import harness
from harness import ROOT, wait_until
from test_tls import TlsClient, client_context, keys, start_tls_daemon, tls_info  # noqa: F401 (fixture)

PHP = "/usr/bin/php"
EXTENSION = os.path.join(ROOT, "php-ext", "modules", "dbsync.so")


def php_send(daemon, key, command="PING"):
    """dbsync_send() from a fresh PHP process signing with `key` and pinning
    the daemon's own server key: what it printed (the reply dumped, or the
    warning)."""
    if not os.path.exists(EXTENSION):
        pytest.fail(f"the PHP extension is not built: {EXTENSION} (run make)")
    symbols = subprocess.run(["nm", "-D", EXTENSION], capture_output=True, text=True, timeout=30).stdout
    if " U __asan_" in symbols:
        pytest.fail(f"{EXTENSION} is a SANITIZE=1 build, which plain php cannot load (run make php-ext)")
    code = f'var_dump(dbsync_send({command!r}));'
    r = subprocess.run([PHP, "-n", "-d", f"extension={EXTENSION}", "-d", "display_errors=stdout",
                        "-d", f"dbsync.signkey={key.private}", "-d", f"dbsync.servers=127.0.0.1:{daemon.port}",
                        "-d", f"dbsync.server_pubkey={os.path.join(daemon.state_dir, 'tls-server-pubkey.pem')}",
                        "-d", "dbsync.timeout=5000", "-r", code],
                       capture_output=True, text=True, timeout=30)
    return r.stdout + r.stderr


def silent_connections(port, n):
    """n TCP connections that never send a byte: TLS handshakes that never start."""
    return [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(n)]


def tls_refusal(port, key):
    """Connects with a trusted key; returns the ssl.SSLError the handshake
    (or the first read) ends with."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=20)
    try:
        s = client_context(key).wrap_socket(raw)
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
        data = s.recv(100)
        raise AssertionError(f"a refused connection got {data!r}")
    except ssl.SSLError as exc:
        return exc
    finally:
        raw.close()


def test_handshakes_in_progress_do_not_take_the_slots_of_clients(procs, keys):
    # Silent peers used to fill --max-clients and lock every signed client
    # out; handshakes now have their own bound.
    redis = procs.start_redis(1)
    k = keys["rsa2048"]
    d = start_tls_daemon(procs, [redis], [k], extra=["--max-clients", "21", "--handshake-timeout", "60000"])
    with TlsClient(d.port, k) as admin:
        silent = silent_connections(d.port, 20)
        try:
            wait_until(lambda: harness.parse_info(admin.command("DBSYNC", "INFO"))["tls_handshakes_in_progress"]
                       == "20", 10, "20 handshakes in progress")
            out = php_send(d, k, "SET signed yes")
            assert out.strip() == 'string(2) "OK"', out
            info = harness.parse_info(admin.command("DBSYNC", "INFO"))
            assert info["rejected_clients"] == "0"
            assert info["tls_handshakes_in_progress"] == "20"
        finally:
            for s in silent:
                s.close()
    assert redis.get("signed") == b"yes"


def test_handshakes_over_max_handshakes_get_a_tls_alert(procs, keys):
    redis = procs.start_redis(1)
    k = keys["ed25519"]
    d = start_tls_daemon(procs, [redis], [k], extra=["--max-handshakes", "3", "--handshake-timeout", "60000"])
    with TlsClient(d.port, k) as admin:
        def info():
            return harness.parse_info(admin.command("DBSYNC", "INFO"))

        silent = silent_connections(d.port, 3)
        try:
            wait_until(lambda: info()["tls_handshakes_in_progress"] == "3", 10, "three handshakes in progress")
            for _ in range(2):
                exc = tls_refusal(d.port, k)
                assert "ALERT_INTERNAL_ERROR" in str(exc), exc
            # The PHP extension gets the alert too, not plain text.
            out = php_send(d, keys["rsa2048"])
            assert "alert internal error" in out and "does not speak TLS" not in out, out
            assert info()["tls_handshakes_refused"] == "3"
            assert admin.command("PING") == "PONG"
        finally:
            for s in silent:
                s.close()
        wait_until(lambda: info()["tls_handshakes_in_progress"] == "0", 10, "the silent peers to be gone")
        with TlsClient(d.port, k) as again:
            assert again.command("PING") == "PONG"
    log = d.log()
    assert len(re.findall(r"--max-handshakes 3 reached", log)) == 1, log
    assert re.search(r"accepting TLS handshakes again \(3 refused over --max-handshakes\)", log), log


def test_over_max_clients_a_tls_client_gets_an_alert_not_plain_text(procs, keys):
    redis = procs.start_redis(1)
    k = keys["ed25519"]
    d = start_tls_daemon(procs, [redis], [k], extra=["--max-clients", "2"])
    with TlsClient(d.port, k) as a, TlsClient(d.port, k) as b:
        assert a.command("PING") == "PONG" and b.command("PING") == "PONG"
        exc = tls_refusal(d.port, k)
        assert "ALERT_INTERNAL_ERROR" in str(exc), exc
        out = php_send(d, keys["ed25519"])
        assert "alert internal error" in out and "does not speak TLS" not in out, out
        info = harness.parse_info(a.command("DBSYNC", "INFO"))
        assert info["rejected_clients"] == "2"


def test_rejected_handshake_log_lines_are_rate_limited(procs, keys):
    redis = procs.start_redis(1)
    k = keys["ed25519"]
    rate = 5
    d = start_tls_daemon(procs, [redis], [k], extra=["--reject-log-rate", str(rate)])
    burst = 60
    start = time.monotonic()
    for _ in range(burst):
        with socket.create_connection(("127.0.0.1", d.port), timeout=10) as s:
            s.sendall(b"PING\r\n")  # plain text on the TLS port: rejected
            try:
                while s.recv(4096):
                    pass
            except ConnectionResetError:
                pass
    rejected = wait_until(lambda: int(tls_info(d, k)["tls_handshakes_rejected"]), 10, "the rejections counted")
    elapsed = time.monotonic() - start
    assert rejected >= burst

    def lines():
        log = d.log()
        logged = len(re.findall(r"TLS handshake rejected from ", log))
        suppressed = sum(int(n) for n in re.findall(
            r"(\d+) more TLS handshake rejections not logged \(--reject-log-rate 5\)", log))
        return logged, suppressed

    # The count of those not logged comes once their second is over.
    wait_until(lambda: sum(lines()) == rejected, 10, "every rejection logged or counted")
    logged, suppressed = lines()
    assert suppressed > 0
    assert logged <= rate * (math.ceil(elapsed) + 1), (logged, elapsed)
