# bench/: `make bench` builds everything, then runs bench/run.py, which starts
# its own redis-servers, twemproxy and dbsyncd instances on loopback, measures
# them side by side and writes bench/out/ (results.md, results.json, raw.csv,
# bench.png, logs/). Options go through BENCH_ARGS, e.g.
#   make bench BENCH_ARGS="--rounds 5"      more rounds, steadier medians
#   make bench BENCH_ARGS="--quick"         a few seconds: checks the script
#   make bench BENCH_ARGS="--strict"        exit 1 when a target is missed
#   make bench BENCH_ARGS="--skip journal"  leave out the journal part
# /usr/bin/python3 (Debian's) on purpose: the script needs nothing else.
BENCH_PYTHON ?= /usr/bin/python3
BENCH_ARGS ?=

bench:
	$(MAKE) all
	$(BENCH_PYTHON) bench/run.py $(BENCH_ARGS)

# make bench-fpm: bench/php_fpm.py runs bench/fpm_page.php (10 writes, 10
# reads) under its own php8.2-fpm pools, dbsync against phpredis, and writes
# bench/out/fpm.md. Options go through FPM_ARGS, e.g.
#   make bench-fpm FPM_ARGS="--quick"       a few hundred requests: checks the script
#   make bench-fpm FPM_ARGS="--rounds 5"    more rounds, steadier medians
FPM_ARGS ?=

.PHONY: bench-fpm
bench-fpm:
	$(MAKE) all
	$(BENCH_PYTHON) bench/php_fpm.py $(FPM_ARGS)

# make bench-resync: bench/resync.py times dbsync-check --resync of a
# diverged database holding 1,000,000 keys while redis-benchmark writes
# through dbsyncd, and the live write rate before and during it.
#   make bench-resync RESYNC_ARGS="--keys 100000"
RESYNC_ARGS ?=

.PHONY: bench-resync
bench-resync:
	$(MAKE) all
	$(BENCH_PYTHON) bench/resync.py $(RESYNC_ARGS)

# make bench-leader: bench/leader_first.py, SPOP and XADD * (leader-first)
# next to SET through dbsyncd -> 2 databases, with and without a journal:
# ops/s, p50 and ratios (about a minute). Options through LEADER_ARGS, e.g.
#   make bench-leader LEADER_ARGS="--rounds 5 --n 200000"
LEADER_ARGS ?=

.PHONY: bench-leader
bench-leader:
	$(MAKE) all
	$(BENCH_PYTHON) bench/leader_first.py $(LEADER_ARGS)

# make bench-journal: bench/journal.py, the journal part of make bench on its
# own: dbsyncd --no-journal, --journal-fsync everysec and always under
# redis-benchmark, a database catching up after a restart, journal bytes per
# SET; writes bench/out/journal.md (about 3 minutes). Options through
# JOURNAL_ARGS, e.g.
#   make bench-journal JOURNAL_ARGS="--quick"            a few seconds: checks the script
#   make bench-journal JOURNAL_ARGS="--rounds 5"         more rounds, steadier medians
#   make bench-journal JOURNAL_ARGS="--n1 50000 --catchup-n 400000"
JOURNAL_ARGS ?=

.PHONY: bench-journal
bench-journal:
	$(MAKE) all
	$(BENCH_PYTHON) bench/journal.py $(JOURNAL_ARGS)
