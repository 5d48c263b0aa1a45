"""Fixtures for dbsyncd's end-to-end tests: every process a test starts is
stopped at teardown, pass or fail, and a daemon that crashed or produced a
sanitizer report fails the test."""

import os
import resource
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import harness  # noqa: E402

# 1,000 concurrent clients need more descriptors than the usual 1024, in this
# process and in the dbsyncd processes it starts (they inherit the limit).
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
_want = 16384 if _hard == resource.RLIM_INFINITY else min(_hard, 16384)
if _soft != resource.RLIM_INFINITY and _soft < _want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (_want, _hard))


def pytest_sessionstart(session):
    if not os.access(harness.DBSYNCD, os.X_OK):
        raise pytest.UsageError(f"no dbsyncd binary at {harness.DBSYNCD} (set DBSYNCD or run make)")


@pytest.fixture
def procs(tmp_path):
    p = harness.Processes(tmp_path)
    yield p
    problems = p.teardown()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def redis3(procs):
    return procs.start_redis(3)


@pytest.fixture
def proxy3(procs, redis3):
    """dbsyncd in front of three redis-servers (ack one)."""
    return procs.start_dbsyncd(redis3)
