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
        return False, buf
    for _ in range(int(head[1:])):
        h = line()
        if h is None or not h.startswith(b"$"):
            return False, buf
        n = int(h[1:])
        if not need(n + 2):
            return False, buf
        buf = buf[n + 2:]
    return True, buf


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
