#!/usr/bin/env python3
"""Misbehaving RESP peers for the .phpt suite (started by tests/php/run.sh);
the peers themselves live in tests/peers/misbehaving.py.

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
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))

from peers.misbehaving import MODES, run  # noqa: E402


def main():
    if len(sys.argv) not in (4, 6) or sys.argv[1] not in MODES or (sys.argv[1] == "impostor") != (len(sys.argv) == 6):
        sys.exit("usage: peer.py MODE PORTFILE LOGFILE [CERT KEY]  (MODE: %s; CERT KEY for impostor only)"
                 % ", ".join(MODES))
    run(*sys.argv[1:])


if __name__ == "__main__":
    main()
