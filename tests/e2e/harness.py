"""Everything the end-to-end tests use, under one name (`from harness import ...`):

  resp_client.py   Client, a blocking RESP2 client, and its reply types
  processes.py     redis-server and dbsyncd processes, waits with deadlines, Processes
  tests/peers/     RESP encoding and the fake databases (FakeServer, SilentServer, SlowServer),
                   shared with the .phpt suite's peers (php-ext/tests/peer.py)
"""

import os
import sys

# tests/, so that the shared peers import as the package `peers`.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

from peers.resp import encode  # noqa: E402
from peers.servers import FakeServer, SilentServer, SlowServer  # noqa: E402
from processes import (  # noqa: E402
    DBSYNCD, REDIS_BENCHMARK, REDIS_CLI, REDIS_SERVER, ROOT, SANITIZER_MARKERS, START_TIMEOUT, Dbsyncd,
    ProcessExited, Processes, RedisServer, free_port, parse_info, port_accepts, unread_bytes_at, wait_until)
from resp_client import REPLY_TIMEOUT, Client, ProtocolFailure, ReplyError, Status  # noqa: E402

__all__ = ["encode", "FakeServer", "SilentServer", "SlowServer", "DBSYNCD", "REDIS_BENCHMARK", "REDIS_CLI",
           "REDIS_SERVER", "ROOT", "SANITIZER_MARKERS", "START_TIMEOUT", "Dbsyncd", "ProcessExited", "Processes",
           "RedisServer", "free_port", "parse_info", "port_accepts", "unread_bytes_at", "wait_until", "REPLY_TIMEOUT",
           "Client", "ProtocolFailure", "ReplyError", "Status"]
