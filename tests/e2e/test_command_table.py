"""daemon/command_table_redis70.cpp is what tools/gen-command-table.py
writes from the redis-server on this machine: the committed table and a
real Redis 7.0 agree."""

import os
import re
import subprocess
import sys

import pytest

from harness import REDIS_SERVER, ROOT

SCRIPT = os.path.join(ROOT, "tools", "gen-command-table.py")
TABLE = os.path.join(ROOT, "daemon", "command_table_redis70.cpp")


def rows(text):
    return [line.strip() for line in text.splitlines() if line.startswith('        {"')]


def server_version():
    out = subprocess.run([REDIS_SERVER, "--version"], capture_output=True, text=True, timeout=30).stdout
    return re.search(r"v=(\S+)", out).group(1)


@pytest.mark.skipif(not server_version().startswith("7.0."), reason="the built-in table is Redis 7.0's")
def test_generated_table_matches_this_redis(tmp_path):
    out = tmp_path / "table.cpp"
    r = subprocess.run([sys.executable, SCRIPT, "--redis-server", REDIS_SERVER, "--output", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with open(TABLE) as f:
        committed = f.read()
    generated = out.read_text()
    assert len(rows(generated)) > 300
    # The rows, whatever 7.0.x wrote the committed file; all of it for the same release.
    assert rows(generated) == rows(committed)
    if f"redis-server {server_version()}'s" in committed:
        assert generated == committed
