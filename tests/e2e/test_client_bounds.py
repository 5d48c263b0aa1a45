"""Client-side bounds of dbsyncd: what one client, or many, can make the
daemon hold or do. Closing a client in the middle of the janitor's sweep,
replies bigger than --client-max-output, running out of file descriptors,
and the total of buffered client bytes (--max-buffer-memory)."""

import fcntl
import os
import re
import resource
import socket
import struct
import termios

from harness import ProtocolFailure, encode, free_port, parse_info, wait_until


# --------------------------------------------------------------------- helpers


class NonReader:
    """A client on a unix socket that never reads, and knows exactly how
    many of the reply bytes dbsyncd has produced for it are still inside
    dbsyncd: those not yet in its socket's receive queue (a unix stream
    socket puts what the sender writes straight there)."""

    def __init__(self, daemon, sync):
        self.sync = sync
        self.client = daemon.client()
        # Accepted and served: from here on, it never reads again.
        assert self.client.command("PING") == "PONG"
        self.produced = 0

    def send(self, data, reply_size=0):
        """Sends data and returns once dbsyncd has dealt with it: it was in
        dbsyncd's socket when send() returned, so the PING sent after it on
        another connection is answered after it (dbsyncd serves one
        wake-up's events before it sleeps)."""
        self.client.send_raw(data)
        self.produced += reply_size
        assert self.sync.command("PING") == "PONG"

    def ping(self, reply_size):
        """PING with an argument whose bulk reply is reply_size bytes."""
        n = next(n for n in range(reply_size) if len(b"$%d\r\n" % n) + n + 2 == reply_size)
        self.send(encode("PING", b"x" * n), reply_size)

    def held_by_daemon(self):
        queued = struct.unpack("i", fcntl.ioctl(self.client.sock.fileno(), termios.FIONREAD, b"\0" * 4))[0]
        return self.produced - queued


# --------------------------------------------------------------------- janitor


TIMEOUT_ERROR = b"-ERR request not completed within 300 ms (--client-timeout)\r\n"


def test_client_closed_by_the_janitor_sweep_leaves_the_others_alone(procs, tmp_path):
    # A client that does not read, whose unsent replies sit just under
    # --client-max-output when its half-sent request times out: the
    # timeout's error reply takes it over the bound while the janitor is
    # going through the clients. (Closing it there freed an entry of the
    # client set under the sweep's feet: a use after free under ASan.)
    r = procs.start_redis(1)
    d = procs.start_dbsyncd([r], ["--client-max-output", "1024", "--client-timeout", "300"],
                            bind=f"unix:{tmp_path}/dbsyncd.sock")
    limit = 1024
    with d.client() as sync, d.client() as bystander:
        hog = NonReader(d, sync)
        # Fill the kernel's buffers with replies that fit, one at a time,
        # until dbsyncd has to keep some itself ...
        while hog.held_by_daemon() == 0:
            hog.ping(1000)
        # ... then step up in 50-byte replies to just short of the bound.
        while hog.held_by_daemon() + len(TIMEOUT_ERROR) <= limit:
            hog.ping(50)
        held = hog.held_by_daemon()
        assert limit - len(TIMEOUT_ERROR) < held <= limit, held
        hog.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk")
        wait_until(lambda: int(d.info()["client_timeouts"]) == 1, 10, "the half-sent request to time out")
        wait_until(lambda: int(d.info()["client_output_overflows"]) == 1, 10,
                   "the client that does not read to be closed over --client-max-output")
        assert bystander.command("SET", "after", "1") == "OK"
        assert int(d.info()["connected_clients"]) == 3  # sync, bystander, and the INFO asker
        hog.client.close()
    assert r.get("k") is None
    assert r.get("after") == b"1"


# --------------------------------------------------------------------- --client-max-output


def test_reply_bigger_than_client_max_output_reaches_a_client_that_reads(procs):
    # The bound is for bytes a client leaves unread, not for the size of a
    # reply: a 65 MiB value at the default 64 MiB bound arrives whole.
    r = procs.start_redis(1)
    # Moving 65 MiB through hiredis can take a while under ASan on a busy machine.
    d = procs.start_dbsyncd([r], ["--db-timeout", "60000"])
    value = os.urandom(1 << 20) * 65
    with r.client(timeout=60) as direct:
        assert direct.command("SET", "big", value) == "OK"
    with d.client(timeout=60) as c:
        c.send_raw(encode("GET", "big"))
        assert read_bulk(c) == value
        assert c.command("PING") == "PONG"
    assert int(d.info()["client_output_overflows"]) == 0


def read_bulk(client):
    """Reads one bulk reply of any size (harness.Client reads small replies)."""
    head = client._line()
    assert head.startswith(b"$"), head
    want = int(head[1:]) + 2
    data = bytearray(client.buf)
    while len(data) < want:
        chunk = client.sock.recv(1 << 20)
        if not chunk:
            raise ProtocolFailure(f"connection closed after {len(data)} of {want} bytes")
        data += chunk
    client.buf = bytes(data[want:])
    assert data[want - 2:want] == b"\r\n"
    return bytes(data[:want - 2])


def send_without_reading(d, request):
    """A client with a tiny receive buffer that sends `request` and never
    reads a reply; returned open, for the caller to close."""
    hog = d.client()
    hog.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    hog.sock.sendall(request)
    return hog


def test_client_that_leaves_a_large_reply_unread_is_closed(procs):
    r = procs.start_redis(1)
    d = procs.start_dbsyncd([r], ["--client-max-output", str(1 << 20), "--db-timeout", "60000"])
    value = b"v" * (8 << 20)
    with r.client(timeout=60) as direct:
        assert direct.command("SET", "big", value) == "OK"
    with d.client(timeout=60) as reader:
        reader.send_raw(encode("GET", "big"))
        assert read_bulk(reader) == value  # eight times the bound, read as it comes
    hog = send_without_reading(d, encode("GET", "big"))
    wait_until(lambda: int(d.info()["client_output_overflows"]) == 1, 20,
               "the client that does not read to be closed over --client-max-output")
    assert int(d.info()["connected_clients"]) == 1  # the one asking
    assert "reply bytes unread (--client-max-output)" in d.log()
    hog.close()


# --------------------------------------------------------------------- file descriptors


ACCEPT_TROUBLE = re.compile(r"accept.*(Too many open files|out of file descriptors)")


def test_out_of_file_descriptors_pauses_accepting_and_logs_once(procs):
    r = procs.start_redis(1)
    d = procs.start_dbsyncd([r])
    keep = d.client()
    assert keep.command("PING") == "PONG"
    # Whatever dbsyncd opens from now on must fit in 64 descriptors.
    resource.prlimit(d.proc.pid, resource.RLIMIT_NOFILE, (64, 64))
    conns = []
    try:
        for _ in range(80):
            s = socket.create_connection(("127.0.0.1", d.port), timeout=20)
            s.sendall(b"PING\r\n")
            conns.append(s)
        wait_until(lambda: ACCEPT_TROUBLE.search(d.log()), 10, "dbsyncd to run out of descriptors")
        # The loop still serves the clients it has, and it waits: one line.
        info = parse_info(keep.command("DBSYNC", "INFO"))
        accepted = int(info["connected_clients"]) - 1
        assert 0 < accepted < len(conns), accepted
        assert len(ACCEPT_TROUBLE.findall(d.log())) == 1, d.log_tail()
        # Connections are accepted in the order they came: free the
        # descriptors of those served, and the waiting ones are served.
        for s in conns[:accepted]:
            assert s.recv(100) == b"+PONG\r\n"
            s.close()
        for s in conns[accepted:]:
            assert s.recv(100) == b"+PONG\r\n"
        wait_until(lambda: re.search(r"accepting connections again after \d+ ms \(\d+ accepts? failed\)", d.log()),
                   10, "the end of the episode in the log")
        assert len(ACCEPT_TROUBLE.findall(d.log())) == 1, d.log_tail()
        assert keep.command("PING") == "PONG"
    finally:
        for s in conns:
            s.close()
        keep.close()


SCRAPE = b"GET /metrics HTTP/1.0\r\n\r\n"


def read_to_end(sock):
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def scrape_metrics(port):
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(SCRAPE)
        return read_to_end(s)


def test_out_of_file_descriptors_pauses_the_metrics_port_too(procs):
    r = procs.start_redis(1)
    metrics_port = free_port()
    d = procs.start_dbsyncd([r], ["--metrics", f"127.0.0.1:{metrics_port}"])
    keep = d.client()
    assert keep.command("PING") == "PONG"
    # UBSan opens a pipe the first time it checks an object's type, and
    # takes a failure for a bad object: one scrape first, while it can.
    assert scrape_metrics(metrics_port).startswith(b"HTTP/1.1 200 OK")
    resource.prlimit(d.proc.pid, resource.RLIMIT_NOFILE, (64, 64))
    conns = []
    try:
        # Use up the descriptors with clients, then ask for the metrics.
        while not ACCEPT_TROUBLE.search(d.log()):
            s = socket.create_connection(("127.0.0.1", d.port), timeout=20)
            conns.append(s)
            if len(conns) > 200:
                raise AssertionError("dbsyncd never ran out of descriptors")
            s.sendall(b"PING\r\n")
            assert keep.command("PING") == "PONG"
        scrape = socket.create_connection(("127.0.0.1", metrics_port), timeout=20)
        scrape.sendall(SCRAPE)
        wait_until(lambda: re.search(r"metrics: accept: Too many open files", d.log()), 10,
                   "the metrics port to run out of descriptors")
        assert keep.command("PING") == "PONG"
        assert len(re.findall(r"metrics: accept: Too many open files", d.log())) == 1, d.log_tail()
        for s in conns:
            s.close()
        response = read_to_end(scrape)
        assert response.startswith(b"HTTP/1.1 200 OK"), response[:200]
        assert b"dbsyncd_clients_connected" in response
        wait_until(lambda: "metrics: accepting connections again after" in d.log(), 10,
                   "the end of the metrics port's episode in the log")
        assert len(re.findall(r"metrics: accept: Too many open files", d.log())) == 1, d.log_tail()
    finally:
        for s in conns:
            s.close()
        keep.close()


# --------------------------------------------------------------------- --max-buffer-memory


def status_bytes(pid, field):
    """A memory figure from /proc/PID/status (VmRSS, VmHWM), in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def quiet_asan_quarantine(monkeypatch):
    # AddressSanitizer keeps freed memory for a while (256 MB by default) to
    # catch late uses; a small quarantine lets RSS show what dbsyncd holds.
    monkeypatch.setenv("ASAN_OPTIONS", os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4")


def test_half_sent_requests_are_bounded_in_total(procs, monkeypatch):
    quiet_asan_quarantine(monkeypatch)
    r = procs.start_redis(1)
    bound = 16 << 20
    d = procs.start_dbsyncd([r], ["--max-buffer-memory", str(bound), "--client-timeout", "60000"])
    with d.client() as small, d.client() as asker:
        small.send_raw(b"*3\r\n$3\r\nSET\r\n$5\r\nsmall\r\n$5\r\nab")  # half a small request
        assert asker.command("PING") == "PONG"
        baseline = status_bytes(d.proc.pid, "VmRSS")
        chunk = b"x" * (1 << 20)
        for i in range(8):
            # Each sends 24 MiB of a 48 MiB request: 192 MiB in all, unbounded.
            with d.client(timeout=30) as big:
                try:
                    big.send_raw(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % (48 << 20))
                    for _ in range(24):
                        big.send_raw(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # closed while sending
                assert big.wait_closed(20), f"client {i} with a 24 MiB half request must be closed"
        info = parse_info(asker.command("DBSYNC", "INFO"))
        assert int(info["client_buffer_evictions"]) == 8
        assert int(info["client_buffer_bytes"]) <= bound
        assert info["connected_clients"] == "2"  # small and asker: the largest went, not the small
        grown = status_bytes(d.proc.pid, "VmHWM") - baseline
        assert grown < 4 * bound, f"RSS grew by {grown >> 20} MiB with --max-buffer-memory 16 MiB"
        small.send_raw(b"cde\r\n")
        assert small.read_reply() == "OK"
    assert len(re.findall(r"client \S+ closed: \d+ bytes buffered, over --max-buffer-memory", d.log())) == 8
    assert r.get("small") == b"abcde"
    assert r.get("big") is None


def test_unread_replies_count_against_max_buffer_memory(procs):
    r = procs.start_redis(1)
    bound = 16 << 20
    d = procs.start_dbsyncd([r], ["--max-buffer-memory", str(bound), "--db-timeout", "60000"])
    with r.client(timeout=60) as direct:
        assert direct.command("SET", "big", b"v" * (6 << 20)) == "OK"
    with d.client() as asker:
        # Each of these leaves a 6 MiB reply unread: under --client-max-output
        # (64 MiB), but not all of them fit in 16 MiB together.
        hogs = [send_without_reading(d, encode("GET", "big")) for _ in range(6)]
        wait_until(lambda: int(parse_info(asker.command("DBSYNC", "INFO"))["client_buffer_evictions"]) >= 3, 20,
                   "clients over --max-buffer-memory to be closed")
        # The bound is enforced before the loop sleeps: the INFO reply is
        # built inside a turn, where the asker's own input may sit on top.
        info = wait_until(lambda: (lambda i: i if int(i["client_buffer_bytes"]) <= bound else None)(
            parse_info(asker.command("DBSYNC", "INFO"))), 20, "the buffered total back under the bound")
        assert int(info["connected_clients"]) == 1 + 6 - int(info["client_buffer_evictions"])
        assert info["client_output_overflows"] == "0"
        for h in hogs:
            h.close()
    with d.client(timeout=60) as c:
        assert c.command("GET", "big") == b"v" * (6 << 20)

