"""dbsyncd's command line: help, version, and bad usage (exit status 2)."""

import os
import re
import subprocess

import pytest

from harness import DBSYNCD, ROOT, free_port

FLAG_RE = re.compile(r"(?<![\w-])(--[a-z][a-z-]+|-[a-zA-Z])\b")


def documented_flags():
    """Flags in the first column of the flag table in docs/dbsyncd.md."""
    with open(os.path.join(ROOT, "docs", "dbsyncd.md")) as f:
        page = f.read()
    section = page[:page.index("\n## ")]  # the flag table comes before the first section
    flags = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            flags.update(FLAG_RE.findall(line.split("|")[1]))
    return flags


def help_flags(text):
    """Flags --help documents: those at the start of an option line."""
    flags = set()
    for line in text.splitlines():
        m = re.match(r"\s+((?:-[a-zA-Z], )?--[a-z-]+)", line)
        if m:
            flags.update(FLAG_RE.findall(m.group(1)))
    return flags

def run(*args, timeout=10):
    return subprocess.run([DBSYNCD, *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


def product_version():
    with open(os.path.join(ROOT, "common", "version.hpp")) as f:
        return re.search(r'#define DBSYNC_VERSION "([^"]+)"', f.read()).group(1)


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_every_flag(flag):
    r = run(flag)
    assert r.returncode == 0, r.stderr
    text = r.stdout
    # --help and docs/dbsyncd.md's table describe the same flags (the man page is
    # checked against --help in test_ops.py).
    documented = documented_flags()
    assert len(documented) > 20, documented
    assert help_flags(text) == documented
    assert "dbsyncd" in text


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag):
    r = run(flag)
    assert r.returncode == 0, r.stderr
    assert product_version() in r.stdout
    assert "dbsyncd" in r.stdout


BAD_USAGE = [
    (["--no-such-flag"], "--no-such-flag"),
    (["-p", "0"], "port"),
    (["-p", "70000"], "port"),
    (["--port", "abc"], "port"),
    (["--port"], "port"),
    (["-d", "bogus"], "databases"),
    (["-d", "redis:127.0.0.1:0"], "databases"),
    (["--ack", "maybe"], "ack"),
    (["--read-from", "closest"], "read-from"),
    (["--db-timeout", "soon"], "db-timeout"),
    (["--db-batch-wait", "1001"], "db-batch-wait"),
    (["--busy-poll", "5000"], "busy-poll"),
    (["--max-clients", "-5"], "max-clients"),
    (["--log-level", "loud"], "log-level"),
]


@pytest.mark.parametrize("args,names", BAD_USAGE, ids=[" ".join(a) for a, _ in BAD_USAGE])
def test_bad_usage_exits_2_with_one_line(args, names):
    # A free port, so that a daemon that wrongly starts does not collide.
    extra = [] if any(a in ("-p", "--port") for a in args) else ["-p", str(free_port())]
    try:
        r = run(*extra, *args, timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"dbsyncd {' '.join(args)} kept running instead of refusing its arguments")
    assert r.returncode == 2, f"status {r.returncode}, stderr {r.stderr!r}"
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {r.stderr!r}"
    assert lines[0].startswith("dbsyncd: "), lines[0]
    assert names in lines[0], f"the message should name {names!r}: {lines[0]!r}"
    assert r.stdout == ""
