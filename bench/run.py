#!/usr/bin/python3
"""make bench: dbsyncd side by side with redis-server and twemproxy.

One run on this machine, loopback only. The script starts its own
redis-servers, a twemproxy (nutcracker) and several dbsyncd instances, then:

  1. redis-benchmark -c 50 -d 100 -t set,get, with -P 1 and -P 16, against
     redis-server direct, twemproxy, dbsyncd -> 1 db, dbsyncd -> 2 dbs and
     dbsyncd with --pubkey (TLS, pinned client key) -> 1 db; several rounds,
     targets interleaved (order reversed every other round), medians;
  2. bench/php_loop.php (20,000 SETs): dbsync_send through dbsyncd, signed
     and unsigned, against phpredis straight to redis-server;
  3. dbsyncd's peak RSS with 10,000 idle clients, and its RSS after
     1,000,000 commands compared with after 100,000;
  4. the journal (bench/journal.py, also make bench-journal on its own):
     --no-journal, fsync everysec and always under redis-benchmark, a
     database catching up after a restart, journal bytes per SET.

It prints a Markdown report (ops/s, p50/p99 latency, ratios, targets) and
writes it to bench/out/results.md, with results.json, raw.csv, a gnuplot bar
chart bench/out/bench.png and every process's log under bench/out/logs/.

Every process it starts is stopped on exit, also on Ctrl-C, SIGTERM or an
error, and dies with the script if the script itself is killed (the children
get PR_SET_PDEATHSIG). Every command it waits for has a timeout, and the whole
run has a budget (--budget, default 420 s and the journal part's share), of
which the journal part's share is kept aside until it runs.

Run it through `make bench` (which builds first) or directly:
  /usr/bin/python3 bench/run.py [--rounds 3] [--quick] [--strict] ...

This file is the driver; the parts live next to it: common.py (processes,
ports, medians, the servers), redis_benchmark.py (1.), php_loop.py (2.),
rss.py (3.), journal.py (4.) and report.py (the output files).
"""

import argparse
import os
import signal
import sys

from common import ROOT, BudgetExceeded, Interrupted, Servers, ignore_signals, install_signal_handlers, log
from journal import JOURNAL_TARGETS, Journal, add_journal_arguments, journal_seconds, quick_journal_arguments
from php_loop import PHP_MODES, PhpLoop
from redis_benchmark import RB_TARGETS, RedisBenchmark
from report import Report
from rss import Memory


class Bench(Servers, RedisBenchmark, PhpLoop, Memory, Journal, Report):
    """One run: the servers (common.py), each measurement (redis_benchmark.py,
    php_loop.py, rss.py, journal.py) and the output (report.py)."""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="rounds of every measurement (default 5)")
    ap.add_argument("--n1", type=int, default=200000, help="redis-benchmark -n with -P 1 (default 200000)")
    ap.add_argument("--n16", type=int, default=1000000, help="redis-benchmark -n with -P 16 (default 1000000)")
    ap.add_argument("--php-n", type=int, default=20000, help="SETs per PHP loop (default 20000)")
    ap.add_argument("--php-loop", default=os.path.join(ROOT, "bench", "php_loop.php"),
                    help="the PHP loop script (default bench/php_loop.php)")
    ap.add_argument("--idle-clients", type=int, default=10000, help="idle clients for the RSS test (default 10000)")
    add_journal_arguments(ap, "journal-")
    ap.add_argument("--budget", type=int, default=None,
                    help="seconds the measurements may take, build not included (default 420, plus the "
                         "journal part's share: about 180 with its defaults)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "out"), help="output directory (default bench/out)")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: rb, php, rss, journal")
    ap.add_argument("--quick", action="store_true", help="1 round, small -n: a smoke test of the script")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    a = ap.parse_args()
    if a.quick:
        a.rounds, a.n1, a.n16, a.php_n, a.idle_clients = 1, 5000, 20000, 2000, 1000
        quick_journal_arguments(a)
    skip = set(x for x in a.skip.split(",") if x)
    journal_share = 0 if "journal" in skip else int(journal_seconds(a))
    if a.budget is None:
        a.budget = 420 + journal_share

    install_signal_handlers(a.budget)  # hard stop; the soft budget skips work before this

    b = Bench(a)
    # The journal part runs last: the parts before it leave it its share.
    b.reserved = min(journal_share, a.budget // 2)
    status = 0
    # Parts left out on purpose say so in the report, not "failed".
    if "rb" in skip:
        for t, _ in RB_TARGETS:
            b.na[t] = "skipped (--skip rb)"
    if "php" in skip:
        for k, _, _, _ in PHP_MODES:
            b.na["php:" + k] = "skipped (--skip php)"
    if "journal" in skip:
        for k, _, _ in JOURNAL_TARGETS:
            b.na[k] = "skipped (--skip journal)"
    try:
        b.setup()
        if "rb" not in skip:
            b.run_rb()
        if "php" not in skip:
            b.run_php()
        if "rss" not in skip:
            b.run_rss()
        b.reserved = 0
        if "journal" not in skip:
            b.run_journal()
        signal.alarm(60)
        b.write()
        if a.strict and any(ok is False for _, ok in b.verdicts):
            status = 1
    except (Interrupted, BudgetExceeded, KeyboardInterrupt) as e:
        log("stopped: %s; cleaning up" % (e or "interrupted"))
        status = 130 if isinstance(e, (Interrupted, KeyboardInterrupt)) else 124
    finally:
        ignore_signals()
        b.cleanup()
    return status


if __name__ == "__main__":
    sys.exit(main())
