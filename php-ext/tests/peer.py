#!/usr/bin/env python3
"""Misbehaving RESP peers for the .phpt suite (started by tests/php/run.sh).

A real redis-server cannot be told to stall or to hang up at a chosen
moment, so these small servers do exactly that, and log what they saw so a
test can check that the extension never sent a command twice:

  silent   accepts connections and never reads or answers
  oneshot  answers +OK to one command, then closes the connection
  eater    answers +OK to the first command of a connection, reads the
           second one and closes without answering
  counter  reads everything and never answers; logs each chunk received
           as "bytes HEX" (what a plain-text listener would see on the wire),
           and "closed" when the client has closed the connection
  impostor a TLS 1.3 server with a key of its own (CERT, KEY) that answers
           +OK to every command: what an attacker on the network path would
           put in dbsyncd's place; logs "tls" for each completed handshake
  unasked  sends replies nobody asked for: "TWICE x" is answered with x
           twice in one segment, "SUBSCRIBE a b" with one confirmation per
           channel in one segment (as Redis does), "LATER x" with x now and
           x again when "RELEASE" arrives on any connection, "ECHO held:x"
           only at "RELEASE", with x followed by the first bytes of a reply
           nobody asked for; anything else ("ECHO x") with its first argument

Usage: peer.py MODE PORTFILE LOGFILE [CERT KEY]   (binds 127.0.0.1:0, writes the port)
The log gets one line per event: "conn" for a connection, "cmd" per command.
"""
import socket
import ssl
import sys
import threading


def log(path, what):
    with open(path, "a") as f:
        f.write(what + "\n")


def read_command(conn, buf):
    """Reads one RESP array command; returns (ok, rest_of_buffer)."""
    ok, _, buf = read_args(conn, buf)
    return ok, buf


def read_args(conn, buf):
    """Reads one RESP array command; returns (ok, arguments, rest_of_buffer)."""
    args = []
    def need(n):
        nonlocal buf
        while len(buf) < n:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            buf += chunk
        return True

    def line():
        nonlocal buf
        while b"\r\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            buf += chunk
        head, _, buf = buf.partition(b"\r\n")
        return head

    head = line()
    if head is None or not head.startswith(b"*"):
        return False, args, buf
    for _ in range(int(head[1:])):
        h = line()
        if h is None or not h.startswith(b"$"):
            return False, args, buf
        n = int(h[1:])
        if not need(n + 2):
            return False, args, buf
        args.append(buf[:n])
        buf = buf[n + 2:]
    return True, args, buf


def bulk(data):
    return b"$%d\r\n%s\r\n" % (len(data), data)


# "LATER" replies held back until a "RELEASE": (connection, bytes).
held = []
held_lock = threading.Lock()


def serve_unasked(conn, logfile):
    # As Redis does: a small reply leaves at once, not held back by Nagle
    # until the client acknowledges the previous one.
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    while True:
        ok, args, buf = read_args(conn, buf)
        if not ok or not args:
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
            with held_lock:  # held before answering: RELEASE may come right after
                held.append((conn, bulk(arg)))
            conn.sendall(bulk(arg))
        elif name == b"ECHO" and arg.startswith(b"held:"):
            with held_lock:
                held.append((conn, bulk(arg) + b"+unasked and unfinished"))
        elif name == b"RELEASE":
            with held_lock:
                for c, data in held:
                    try:
                        c.sendall(data)
                    except OSError:
                        pass  # that client has gone already
                held.clear()
            log(logfile, "released")
            conn.sendall(b"+OK\r\n")
        else:
            conn.sendall(bulk(arg))


def impersonate(conn, logfile, tls):
    """Completes a TLS handshake with any client and says +OK to everything."""
    try:
        conn = tls.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        return  # the client refused our key (or went away)
    log(logfile, "tls")
    buf = b""
    try:
        while True:
            ok, buf = read_command(conn, buf)
            if not ok:
                return
            log(logfile, "cmd")
            conn.sendall(b"+OK\r\n")
    except (ssl.SSLError, OSError):
        return
    finally:
        conn.close()


def serve(mode, conn, logfile, tls):
    log(logfile, "conn")
    try:
        if mode == "silent":
            threading.Event().wait()  # hold the connection open, read nothing
        if mode == "unasked":
            serve_unasked(conn, logfile)
            return
        if mode == "impostor":
            return impersonate(conn, logfile, tls)
        if mode == "counter":
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:  # reset: closed all the same
                    chunk = b""
                if not chunk:
                    log(logfile, "closed")
                    return
                log(logfile, "bytes " + chunk.hex())
        buf = b""
        ok, buf = read_command(conn, buf)
        if not ok:
            return
        log(logfile, "cmd")
        conn.sendall(b"+OK\r\n")
        if mode == "oneshot":
            return
        ok, buf = read_command(conn, buf)
        if ok:
            log(logfile, "cmd")
    finally:
        conn.close()


def main():
    mode, portfile, logfile = sys.argv[1:4]
    tls = None
    if mode == "impostor":
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(sys.argv[4], sys.argv[5])
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    open(logfile, "w").close()
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    import os
    os.rename(portfile + ".tmp", portfile)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(mode, conn, logfile, tls), daemon=True).start()


if __name__ == "__main__":
    main()
