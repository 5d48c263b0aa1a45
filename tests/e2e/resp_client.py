"""A small blocking RESP2 client for the end-to-end tests: what a test
sends to dbsyncd or redis-server, and the replies it reads back."""

import socket
import time

from peers.resp import encode

# A generous upper bound: it only stops a hung test.
REPLY_TIMEOUT = 20.0


class ProtocolFailure(Exception):
    """The peer sent something that is not RESP2, or closed mid-reply."""


class ReplyError(str):
    """An error reply ("-ERR ...") as a str without the leading '-'."""

    def __repr__(self):
        return f"ReplyError({str.__repr__(self)})"


class Status(str):
    """A status reply ("+OK") as a str without the leading '+'."""


class Client:
    """A blocking RESP2 connection with a read deadline on every reply."""

    def __init__(self, port, host="127.0.0.1", timeout=REPLY_TIMEOUT, unix_path=None):
        if unix_path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(unix_path)
        else:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def command(self, *args):
        self.send_raw(encode(*args))
        return self.read_reply()

    def pipeline(self, commands):
        """Sends every command in one write, then reads one reply per command."""
        self.send_raw(b"".join(encode(*c) for c in commands))
        return [self.read_reply() for _ in commands]

    def _fill(self):
        try:
            data = self.sock.recv(1 << 16)
        except socket.timeout:
            raise AssertionError(f"no reply within {self.timeout}s")
        if not data:
            raise ProtocolFailure("connection closed by peer")
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def read_reply(self):
        line = self._line()
        if not line:
            raise ProtocolFailure("empty reply line")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return Status(rest.decode("utf-8", "replace"))
        if kind == b"-":
            return ReplyError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [self.read_reply() for _ in range(n)]
        raise ProtocolFailure(f"unexpected reply line {line!r}")

    def read_raw_reply(self):
        """The next reply exactly as the peer sent it: its bytes, framing included."""
        out = bytearray()
        todo = 1
        while todo:
            line = self._line()
            out += line + b"\r\n"
            todo -= 1
            kind, n = line[:1], int(line[1:]) if line[:1] in (b"$", b"*") else 0
            if kind == b"$" and n >= 0:
                while len(self.buf) < n + 2:
                    self._fill()
                out += self.buf[:n + 2]
                self.buf = self.buf[n + 2:]
            elif kind == b"*" and n > 0:
                todo += n
        return bytes(out)

    def raw_command(self, *args):
        self.send_raw(encode(*args))
        return self.read_raw_reply()

    def wait_closed(self, timeout):
        """True if the peer closes the connection within timeout (data before EOF is kept)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(1 << 16)
            except socket.timeout:
                break
            except ConnectionResetError:
                return True
            if not data:
                return True
            self.buf += data
        self.sock.settimeout(self.timeout)
        return False
