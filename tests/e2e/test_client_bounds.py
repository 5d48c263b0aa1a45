"""Client-side bounds of dbsyncd: what one client, or many, can make the
daemon hold or do. Closing a client in the middle of the janitor's sweep."""

import fcntl
import struct
import termios

from harness import encode, wait_until


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

