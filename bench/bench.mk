# bench/: `make bench` builds everything, then runs bench/run.py, which starts
# its own redis-servers, twemproxy and dbsyncd instances on loopback, measures
# them side by side and writes bench/out/ (results.md, results.json, raw.csv,
# bench.png, logs/). Options go through BENCH_ARGS, e.g.
#   make bench BENCH_ARGS="--rounds 5"      more rounds, steadier medians
#   make bench BENCH_ARGS="--quick"         a few seconds: checks the script
#   make bench BENCH_ARGS="--strict"        exit 1 when a target is missed
# /usr/bin/python3 (Debian's) on purpose: the script needs nothing else.
BENCH_PYTHON ?= /usr/bin/python3
BENCH_ARGS ?=

bench:
	$(MAKE) all
	$(BENCH_PYTHON) bench/run.py $(BENCH_ARGS)
