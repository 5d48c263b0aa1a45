"""RESP2 on the wire, for fake peers and test clients: encoding commands and
replies, and cutting the complete commands a connection sent out of its bytes."""


class RespError(ValueError):
    """Bytes that cannot be a client's command: not an array of bulk strings."""


def _as_bytes(a):
    if isinstance(a, int):
        a = str(a)
    return a.encode() if isinstance(a, str) else a


def bulk(data):
    """One bulk string reply."""
    data = _as_bytes(data)
    return b"$%d\r\n%s\r\n" % (len(data), data)


def encode(*args):
    """A command as a client sends it: an array of bulk strings."""
    return b"*%d\r\n" % len(args) + b"".join(bulk(a) for a in args)


def _one_command(buf):
    """(arguments, rest) for the command at the front of buf, or None while
    it is incomplete."""
    if not buf.startswith(b"*"):
        raise RespError(f"expected a command array, got {buf[:20]!r}")
    if b"\r\n" not in buf:
        return None
    head, rest = buf.split(b"\r\n", 1)
    args = []
    for _ in range(int(head[1:])):
        if b"\r\n" not in rest:
            return None
        line, after = rest.split(b"\r\n", 1)
        if not line.startswith(b"$"):
            raise RespError(f"expected a bulk string argument, got {line[:20]!r}")
        n = int(line[1:])
        if len(after) < n + 2:
            return None
        args.append(after[:n])
        rest = after[n + 2:]
    return args, rest


def split_commands(buf):
    """The complete commands at the front of buf, each a list of bytes
    arguments, and the bytes left over (an incomplete command).

    Raises RespError when the front of buf is not a command at all."""
    cmds = []
    while buf:
        got = _one_command(buf)
        if got is None:
            break
        args, buf = got
        cmds.append(args)
    return cmds, buf


class CommandReader:
    """Reads a blocking connection (a socket, or an ssl socket) one command at a time."""

    def __init__(self, conn):
        self.conn = conn
        self.buf = b""
        self.ready = []

    def next(self):
        """The next command's arguments, or None once the peer closed the
        connection or sent something that is not a command."""
        while not self.ready:
            chunk = self.conn.recv(65536)
            if not chunk:
                return None
            try:
                self.ready, self.buf = split_commands(self.buf + chunk)
            except ValueError:  # RespError, or a length that is no number
                return None
        return self.ready.pop(0)
