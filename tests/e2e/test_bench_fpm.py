"""bench/php_fpm.py --quick, so that the php-fpm benchmark cannot rot: a real
php8.2-fpm with the built extension and phpredis, real dbsyncd and
redis-server. Asserts its correctness checks, never its timings."""

import os
import re
import subprocess
import sys

import harness

SCRIPT = os.path.join(harness.ROOT, "bench", "php_fpm.py")
PHP_FPM = "/usr/sbin/php-fpm8.2"


def test_quick_run_verifies_every_reply_and_leaks_no_connection(tmp_path):
    assert os.access(PHP_FPM, os.X_OK), "php8.2-fpm is not installed (make deps)"
    r = subprocess.run([sys.executable, SCRIPT, "--quick", "--out", str(tmp_path), "--dbsyncd", harness.DBSYNCD],
                       capture_output=True, text=True, timeout=180)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    report = (tmp_path / "fpm.md").read_text()
    assert "FAIL" not in report, report
    for log in (tmp_path / "fpm-logs").iterdir():  # the daemons' logs, ASan's reports included
        text = log.read_text(errors="replace")
        assert not any(m in text for m in harness.SANITIZER_MARKERS), "%s:\n%s" % (log.name, text[-3000:])

    m = re.search(r"PASS responses verified: (\d+) of (\d+); wrong replies \(another request's data\): (\d+); "
                  r"failed requests: (\d+)", report)
    assert m, report
    verified, total, wrong, failed = map(int, m.groups())
    assert total >= 200 and verified == total and wrong == 0 and failed == 0, report

    # Workers were recycled (pm.max_requests) while the client kept its connections.
    m = re.search(r"PASS worker processes that answered: (\d+) \(pm.max_children (\d+)", report)
    assert m and int(m.group(1)) > int(m.group(2)), report

    # Once idle: no connection left from non-persistent pages, at most one per
    # worker from persistent ones, and persistent ones were really reused.
    for name, bound in (("d_plain", 0), ("d_tls", 0), ("d_persist", 4), ("d_tls_persist", 4)):
        m = re.search(r"PASS %s: (\d+) clients connected once idle \(bound (\d+)[^)]*\), (\d+) connections made "
                      r"for (\d+) requests" % name, report)
        assert m, report
        connected, got_bound, made, requests = map(int, m.groups())
        assert got_bound == bound and connected <= bound, report
        if bound:
            assert made < requests, report
        else:
            assert made == requests, report  # one connection per non-persistent page
