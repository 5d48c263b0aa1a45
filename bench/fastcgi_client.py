"""A small FastCGI client (the responder role) for bench/php_fpm.py.

One FcgiConnection is one TCP connection to php-fpm with FCGI_KEEP_CONN set,
so that requests follow each other on it; php-fpm closes it when the worker
that holds it exits (pm.max_requests), and the caller reconnects.

The record format (an 8-byte header: version, type, request id, content
length, padding length; name-value pairs with 1- or 4-byte lengths) is the
FastCGI 1.0 specification's.
"""

import socket
import struct

VERSION = 1
BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
RESPONDER = 1
KEEP_CONN = 1
REQUEST_COMPLETE = 0
HEADER = struct.Struct(">BBHHBx")
MAX_CONTENT = 65535


class ClosedBeforeReply(Exception):
    """The server closed the connection before sending a byte of the reply:
    the request was not read (a kept connection whose worker just exited)."""


class FcgiError(Exception):
    """A broken or unexpected reply."""


def _length(n):
    return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)


def _pairs(params):
    out = []
    for k, v in params.items():
        k = k.encode() if isinstance(k, str) else k
        v = v.encode() if isinstance(v, str) else v
        out.append(_length(len(k)) + _length(len(v)) + k + v)
    return b"".join(out)


def _record(rtype, req_id, content=b""):
    return HEADER.pack(VERSION, rtype, req_id, len(content), 0) + content


def encode_request(params, req_id=1):
    """BEGIN_REQUEST (responder, keep the connection), PARAMS, an empty STDIN."""
    data = [_record(BEGIN_REQUEST, req_id, struct.pack(">HB5x", RESPONDER, KEEP_CONN))]
    body = _pairs(params)
    for i in range(0, len(body), MAX_CONTENT):
        data.append(_record(PARAMS, req_id, body[i:i + MAX_CONTENT]))
    data.append(_record(PARAMS, req_id))
    data.append(_record(STDIN, req_id))
    return b"".join(data)


class FcgiConnection:
    def __init__(self, host, port, timeout):
        self.addr = (host, port)
        self.timeout = timeout
        self.sock = None
        self.buf = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.buf = b""

    def connect(self):
        self.close()
        self.sock = socket.create_connection(self.addr, timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _fill(self, n, got_any):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                if not got_any and not self.buf:
                    raise ClosedBeforeReply()
                raise FcgiError("connection closed in the middle of a reply")
            self.buf += chunk

    def request(self, params):
        """Sends one request and reads its reply: (stdout, stderr) bytes.
        Raises ClosedBeforeReply when the server hung up before answering."""
        if self.sock is None:
            self.connect()
        try:
            self.sock.sendall(encode_request(params))
        except (BrokenPipeError, ConnectionResetError):
            raise ClosedBeforeReply()
        out, err, got_any = [], [], False
        while True:
            try:
                self._fill(HEADER.size, got_any)
            except ConnectionResetError:
                if got_any:
                    raise FcgiError("connection reset in the middle of a reply")
                raise ClosedBeforeReply()
            version, rtype, _rid, clen, plen = HEADER.unpack_from(self.buf)
            if version != VERSION:
                raise FcgiError("record version %d" % version)
            self._fill(HEADER.size + clen + plen, True)
            content = self.buf[HEADER.size:HEADER.size + clen]
            self.buf = self.buf[HEADER.size + clen + plen:]
            got_any = True
            if rtype == STDOUT:
                out.append(content)
            elif rtype == STDERR:
                err.append(content)
            elif rtype == END_REQUEST:
                if len(content) < 5 or content[4] != REQUEST_COMPLETE:
                    raise FcgiError("request not completed (protocol status %r)" % content[4:5])
                return b"".join(out), b"".join(err)
            else:
                raise FcgiError("unexpected record type %d" % rtype)


def split_response(stdout):
    """(status code, body) of a CGI response: headers, a blank line, the body."""
    head, sep, body = stdout.partition(b"\r\n\r\n")
    if not sep:
        raise FcgiError("no header end in %r" % stdout[:200])
    status = 200
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"status":
            status = int(value.split()[0])
    return status, body
