"""Fake RESP peers shared by the test suites.

resp         RESP2 encoding, and cutting complete commands out of received bytes
servers      in-process fake databases for the end-to-end tests (tests/e2e/harness.py)
misbehaving  peers that stall, hang up or answer unasked, run as processes for the
             .phpt suite (php-ext/tests/peer.py, started by tests/php/run.sh)
"""
