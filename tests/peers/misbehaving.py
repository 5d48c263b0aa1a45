"""Misbehaving RESP peers, one thread per connection, run as a process of
their own (php-ext/tests/peer.py) for the .phpt suite.

A real redis-server cannot be told to stall or to hang up at a chosen
moment, so these peers do exactly that, and log what they saw so a test can
check that the client never sent a command twice. Each mode is a function
serving one connection; MODES names them (php-ext/tests/peer.py describes
what each one does). The log gets one line per event: "conn" for a
connection, "cmd" per command, and the lines a mode adds.
"""

import os
import socket
import ssl
import threading

from peers.resp import CommandReader, bulk
from peers.servers import listen_loopback


def log(path, what):
    with open(path, "a") as f:
        f.write(what + "\n")


def serve_silent(conn, logfile, tls):
    threading.Event().wait()  # hold the connection open, read nothing


def serve_oneshot(conn, logfile, tls):
    reader = CommandReader(conn)
    if reader.next() is not None:
        log(logfile, "cmd")
        conn.sendall(b"+OK\r\n")


def serve_eater(conn, logfile, tls):
    reader = CommandReader(conn)
    if reader.next() is None:
        return
    log(logfile, "cmd")
    conn.sendall(b"+OK\r\n")
    if reader.next() is not None:
        log(logfile, "cmd")


def serve_counter(conn, logfile, tls):
    while True:
        try:
            chunk = conn.recv(65536)
        except OSError:  # reset: closed all the same
            chunk = b""
        if not chunk:
            log(logfile, "closed")
            return
        log(logfile, "bytes " + chunk.hex())


def serve_impostor(conn, logfile, tls):
    """Completes a TLS handshake with any client and says +OK to everything."""
    try:
        conn = tls.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        return  # the client refused our key (or went away)
    log(logfile, "tls")
    reader = CommandReader(conn)
    try:
        while reader.next() is not None:
            log(logfile, "cmd")
            conn.sendall(b"+OK\r\n")
    except (ssl.SSLError, OSError):
        return
    finally:
        conn.close()


# "LATER" replies held back until a "RELEASE": (connection, bytes).
_held = []
_held_lock = threading.Lock()


def serve_unasked(conn, logfile, tls):
    # As Redis does: a small reply leaves at once, not held back by Nagle
    # until the client acknowledges the previous one.
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = CommandReader(conn)
    while True:
        args = reader.next()
        if not args:
            return
        log(logfile, "cmd")
        name = args[0].upper()
        arg = args[1] if len(args) > 1 else b""
        if name == b"TWICE":
            conn.sendall(bulk(arg) * 2)  # one send: one segment on loopback
        elif name == b"SUBSCRIBE":
            conn.sendall(b"".join(b"*3\r\n" + bulk(b"subscribe") + bulk(ch) + b":%d\r\n" % (i + 1)
                                  for i, ch in enumerate(args[1:])))
        elif name == b"LATER":
            with _held_lock:  # held before answering: RELEASE may come right after
                _held.append((conn, bulk(arg)))
            conn.sendall(bulk(arg))
        elif name == b"ECHO" and arg.startswith(b"held:"):
            with _held_lock:
                _held.append((conn, bulk(arg) + b"+unasked and unfinished"))
        elif name == b"RELEASE":
            with _held_lock:
                for c, data in _held:
                    try:
                        c.sendall(data)
                    except OSError:
                        pass  # that client has gone already
                _held.clear()
            log(logfile, "released")
            conn.sendall(b"+OK\r\n")
        else:
            conn.sendall(bulk(arg))


MODES = {"silent": serve_silent, "oneshot": serve_oneshot, "eater": serve_eater,
         "counter": serve_counter, "impostor": serve_impostor, "unasked": serve_unasked}


def _serve(handler, conn, logfile, tls):
    log(logfile, "conn")
    try:
        handler(conn, logfile, tls)
    finally:
        conn.close()


def run(mode, portfile, logfile, cert=None, key=None):
    """Serves `mode` on 127.0.0.1 forever; the port goes to portfile once
    the listener accepts (written whole: a reader never sees half of it)."""
    handler = MODES[mode]
    tls = None
    if mode == "impostor":
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
    srv = listen_loopback(64)
    open(logfile, "w").close()
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=_serve, args=(handler, conn, logfile, tls), daemon=True).start()
