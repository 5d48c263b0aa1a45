"""In-process fake databases for the end-to-end tests: a loopback listener
served on a thread of the test process, so that a test can read what the
daemon sent and decide when (or whether) it gets an answer."""

import selectors
import socket
import threading
import time

from peers.resp import split_commands


def listen_loopback(backlog=128):
    """A listening TCP socket on 127.0.0.1 and a port the kernel picked."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(backlog)
    return sock


class FakeServer:
    """A stand-in database on loopback: accepts connections on a thread and
    hands what each one sends to on_data(); subclasses decide what to answer."""

    def __init__(self):
        self.sock = listen_loopback()
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return f"redis:127.0.0.1:{self.port}"

    def on_data(self, conn, data):
        """Called on the server thread with what conn sent (never empty)."""

    def next_due(self):
        """Monotonic time at which on_tick() has work, or None."""
        return None

    def on_tick(self):
        """Called on the server thread after every wait."""

    def _run(self):
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        while not self.stopping:
            due = self.next_due()
            wait = 0.1 if due is None else min(0.1, max(0.0, due - time.monotonic()))
            for key, _ in sel.select(timeout=wait):
                if key.fileobj is self.sock:
                    try:
                        conn, _ = self.sock.accept()
                    except OSError:
                        continue
                    self.conns.append(conn)
                    sel.register(conn, selectors.EVENT_READ)
                    continue
                try:
                    data = key.fileobj.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(key.fileobj)
                    continue
                self.on_data(key.fileobj, data)
            self.on_tick()
        sel.close()

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=5)
        for c in self.conns:
            c.close()
        self.sock.close()


class SilentServer(FakeServer):
    """Accepts connections, reads, and never answers."""

    def __init__(self):
        self.received = 0
        super().__init__()

    def on_data(self, conn, data):
        self.received += len(data)


class SlowServer(FakeServer):
    """Answers +OK to every command, each `delay` seconds after it arrived,
    and records what arrived when: the commands of each recv() as one chunk,
    with the time, and when each got its reply."""

    def __init__(self, delay):
        self.delay = delay
        self.lock = threading.Lock()
        self.chunks = []    # [(monotonic time, [command args as tuples of bytes])]
        self.replied = {}   # first argument after the command name -> when its +OK left
        self.bufs = {}      # conn -> bytes of an incomplete command
        self.due = []       # [(time, conn, key)], in arrival order
        super().__init__()

    def chunk_of(self, key):
        """Index in chunks of the recv() that brought the command for `key`, or None."""
        with self.lock:
            for i, (_, cmds) in enumerate(self.chunks):
                if any(len(c) > 1 and c[1] == key for c in cmds):
                    return i
        return None

    def arrival(self, key):
        """When the command for `key` arrived, or None."""
        i = self.chunk_of(key)
        with self.lock:
            return None if i is None else self.chunks[i][0]

    def on_data(self, conn, data):
        cmds, self.bufs[conn] = split_commands(self.bufs.get(conn, b"") + data)
        cmds = [tuple(c) for c in cmds]
        t = time.monotonic()
        with self.lock:
            self.chunks.append((t, cmds))
        self.due += [(t + self.delay, conn, c[1] if len(c) > 1 else None) for c in cmds]

    def next_due(self):
        return self.due[0][0] if self.due else None

    def on_tick(self):
        # Replies leave in arrival order, as Redis sends them.
        now = time.monotonic()
        while self.due and self.due[0][0] <= now:
            _, conn, key = self.due.pop(0)
            try:
                conn.sendall(b"+OK\r\n")
            except OSError:
                pass
            with self.lock:
                self.replied[key] = time.monotonic()
