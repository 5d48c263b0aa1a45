#!/usr/bin/python3
"""make bench-journal: what dbsyncd's journal costs a write, and how fast it
brings a database that was down back up to date.

On 127.0.0.1 and free ports the script starts two redis-servers with three
dbsyncd in front of both: --no-journal, --journal-dir (the default
--journal-fsync everysec) and --journal-dir --journal-fsync always, each
journal in a fresh directory under --out. For the catch-up it starts two more
redis-servers with appendonly yes (a restart keeps their data, and with it
dbsyncd's applied marker) behind a fourth dbsyncd with a journal. Then, round
after round:

  1. redis-benchmark -c 50 -d 100 -t set, -P 16 and -P 1, against the three
     daemons, the order reversed every other round: requests/s, and the
     ratios journal / no journal;
  2. catch-up: database B is shut down, --catchup-n SETs go through dbsyncd
     (A takes them, B's share stays in the journal), B starts again on its
     data, and while a live load (redis-benchmark -c 20 -P 1 -t set) runs
     through dbsyncd, DBSYNC INFO is polled until B is up: journal records
     replayed per second, and the live load's requests/s meanwhile next to
     the same load with both databases up, just before and just after. With
     the load stopped and nothing behind, A and B must then hold the same
     DBSIZE and DEBUG DIGEST;
  3. while B is down in 2. (so nothing can be retired): journal_bytes growth
     per journaled SET, the bytes on disk one -d 100 SET costs.

Medians over the rounds go to OUT/journal.md (also printed, then a summary)
and OUT/journal.json; every process's log to OUT/journal-logs/. make bench
runs the same measurements as one of its parts (--skip journal), into
results.md. Exit status 1 if A and B differed after a catch-up (also 1 with
--strict when a target is missed).

  /usr/bin/python3 bench/journal.py [--rounds 3] [--quick] [--strict] ...
"""

import argparse
import json
import os
import subprocess
import sys
import time

from common import (HOST, ROOT, BudgetExceeded, Interrupted, Servers, dbsync_info, fmt_int, fmt_ms,
                    fmt_ratio, ignore_signals, install_signal_handlers, log, median, ratio, resp_command,
                    run_bounded, spread)
from redis_benchmark import RedisBenchmark

JOURNAL_TARGETS = [  # key, label, --journal-fsync (None: --no-journal); round 0's order
    ("dj_none", "dbsyncd --no-journal", None),
    ("dj_everysec", "dbsyncd --journal-dir (fsync everysec)", "everysec"),
    ("dj_always", "dbsyncd --journal-dir --journal-fsync always", "always"),
]
JOURNAL_LABEL = {k: label for k, label, _ in JOURNAL_TARGETS}
# Targets for the journal (docs/benchmarks.md): everysec against no journal.
JOURNAL_GOALS = [(16, 0.9), (1, 0.95)]
CATCHUP = "dj_catchup"  # the daemon in front of the two databases that persist
POLL_S = 0.02           # DBSYNC INFO while B catches up: the time resolution
# The slowest run expected, so that a bounded redis-benchmark is not cut
# short: --journal-fsync always at -P 1 does an fdatasync per loop turn.
SLOWEST_RPS = 2000


def add_journal_arguments(ap, prefix=""):
    """The journal part's options: prefix "journal-" in run.py, where
    --rounds, --n1 and --n16 belong to the redis-benchmark part."""
    ap.add_argument("--%srounds" % prefix, dest="journal_rounds", type=int, default=3,
                    help="rounds of the journal measurements (default 3)")
    ap.add_argument("--%sn1" % prefix, dest="journal_n1", type=int, default=100000,
                    help="redis-benchmark -n with -P 1 against the journal daemons (default 100000)")
    ap.add_argument("--%sn16" % prefix, dest="journal_n16", type=int, default=1000000,
                    help="redis-benchmark -n with -P 16 against the journal daemons (default 1000000)")
    ap.add_argument("--catchup-n", dest="catchup_n", type=int, default=200000,
                    help="SETs written while database B is down, for it to catch up on (default 200000)")
    ap.add_argument("--live-window", dest="live_window", type=float, default=3.0,
                    help="seconds the live load is measured before and after each catch-up (default 3)")


def quick_journal_arguments(a):
    a.journal_rounds, a.journal_n1, a.journal_n16, a.catchup_n, a.live_window = 1, 3000, 20000, 20000, 1.0


def journal_round_seconds(a):
    """A generous guess at one round's length on a small machine, for the
    time budget: the -P 16 and -P 1 runs of the three daemons (always is the
    slow one), the bulk write, the catch-up and the live windows."""
    return (a.journal_n16 * (1 / 250000 + 1 / 200000 + 1 / 70000) + a.journal_n1 * (2 / 30000 + 1 / 6000)
            + a.catchup_n / 100000 + 2 * a.live_window + 10)


def journal_seconds(a):
    return 15 + a.journal_rounds * journal_round_seconds(a)


class Journal:
    """The journal measurements (a part of run.Bench, or of JournalRun below,
    on common.Servers' state and RedisBenchmark's runs)."""

    jr_raw = None       # dicts: round, target, pipeline, test, n, rps, p50, p99, avg, error
    jr_catchup = None   # dicts: one per catch-up round (see catchup_round)
    jr_fs = None        # the filesystem the journals are on, as df says

    # -- setup

    def journal_setup(self):
        self.jr_raw, self.jr_catchup = [], []
        for name in ("jr1", "jr2"):
            self.start_redis(name)
        for key, _, fsync in JOURNAL_TARGETS:
            extra = ["--no-journal"] if fsync is None else ["--journal-dir", self.journal_dir(key),
                                                           "--journal-fsync", fsync]
            p, why = self.start_dbsyncd(key, ["jr1", "jr2"], extra=extra)
            if not p:
                self.na[key] = "dbsyncd refused: " + why
        # appendonly: B must come back from its restart with its data and its
        # marker, or it is diverged instead of catching up. No AOF rewrite:
        # a fork in the middle of a catch-up would measure the rewrite.
        self.jr_redis_args = ["--appendonly", "yes", "--auto-aof-rewrite-percentage", "0",
                              "--enable-debug-command", "yes"]
        for name in ("ja", "jb"):
            os.makedirs(self.redis_dir(name))
            self.jr_b = self.start_redis(name, data_dir=self.redis_dir(name), extra=self.jr_redis_args)
        # --reconnect-max 100: B is back within 0.1 s of being up again,
        # rather than after a backoff of up to 5 s that measures nothing.
        p, why = self.start_dbsyncd(CATCHUP, ["ja", "jb"],
                                    extra=["--journal-dir", self.journal_dir(CATCHUP), "--reconnect-max", "100"])
        if not p:
            self.na[CATCHUP] = "dbsyncd refused: " + why
        rc, out, _ = run_bounded(["df", "-PT", self.tmp], 10)
        f = out.strip().splitlines()[-1].split() if rc == 0 and out.strip() else []
        self.jr_fs = "%s (%s, mounted on %s)" % (f[1], f[0], f[6]) if len(f) >= 7 else "unknown (df failed)"
        log("journals in %s: %s" % (self.tmp, self.jr_fs))

    def journal_dir(self, name):
        """Its own fresh directory per daemon, under out/ (the same disk as the tree)."""
        return os.path.join(self.tmp, "journal-" + name)

    def redis_dir(self, name):
        return os.path.join(self.tmp, "redis-" + name)

    # -- the run

    def run_journal(self):
        self.journal_setup()
        need = journal_round_seconds(self.a)
        for rnd in range(self.a.journal_rounds):
            if self.remaining() < need:
                self.notes.append("journal: stopped after round %d of %d to stay within the time budget."
                                  % (rnd, self.a.journal_rounds))
                break
            self.journal_rb_round(rnd)
            if CATCHUP in self.ports:
                self.jr_catchup.append(self.catchup_round(rnd))
        # The catch-up databases hold hundreds of MB: free them for what follows.
        for _, p, _ in [x for x in self.procs.procs if x[0].startswith(("redis-j", "dj_"))]:
            self.procs.stop(p)

    def journal_rb_round(self, rnd):
        targets = [k for k, _, _ in JOURNAL_TARGETS if k in self.ports]
        order = targets if rnd % 2 == 0 else list(reversed(targets))
        for pipeline, n in ((16, self.a.journal_n16), (1, self.a.journal_n1)):
            for t in order:
                if self.remaining() < 20:
                    return
                rows, error = self.redis_benchmark(t, pipeline, n, tests=("SET",), slowest_rps=SLOWEST_RPS)
                r = rows.get("SET", {})
                self.jr_raw.append(dict(round=rnd + 1, target=t, pipeline=pipeline, test="SET", n=n,
                                        rps=r.get("rps"), p50=r.get("p50"), p99=r.get("p99"), avg=r.get("avg"),
                                        error=error))
                log("journal round %d  %-12s -P %-2d  %s" % (
                    rnd + 1, t, pipeline, ("FAILED " + error) if error else "SET %9s/s" % fmt_int(r["rps"])))

    def catchup_round(self, rnd):
        """Steps 2. and 3. of the module's docstring; the round's figures, or
        its error."""
        rec = dict(round=rnd + 1, error=None)
        port = self.ports[CATCHUP]
        live = None
        try:
            # The same load with both databases up, before.
            live = self.start_live_load(rnd, "before")
            rec["live_before"] = self.live_rate(port)
            self.procs.stop(live)
            self.wait_caught_up(port)
            self.wait_retired(port)

            # B down: what goes through now is journaled for it and kept.
            try:
                resp_command(self.ports["jb"], "SHUTDOWN", "NOSAVE")
            except OSError:
                pass  # the server closes the connection as it goes
            self.jr_b.wait(20)
            self.procs.stop(self.jr_b)
            self.wait_for(port, lambda f, dbs: dbs[1]["state"] == "down", "B seen down", 10)
            f0, _ = dbsync_info(port)
            argv = ["redis-benchmark", "-h", HOST, "-p", str(port), "-c", "50", "-d", "100", "-t", "set",
                    "-r", "1000000", "-n", str(self.a.catchup_n), "-P", "16", "--csv"]
            rc, _, err = run_bounded(argv, self.a.catchup_n / 20000 + 30)
            if rc != 0:
                raise RuntimeError("bulk write: rc=%s %s" % (rc, (err.strip().splitlines() or [""])[-1]))
            f1, _ = dbsync_info(port)
            rec["bulk_sets"] = self.a.catchup_n
            rec["journaled"] = int(f1["journal_head_seq"]) - int(f0["journal_head_seq"])
            rec["journal_bytes"] = int(f1["journal_bytes"]) - int(f0["journal_bytes"])
            # A segment retired meanwhile would make the growth look smaller.
            rec["bytes_valid"] = f1["journal_first_seq"] == f0["journal_first_seq"]

            # B back on its data, a live load running through dbsyncd.
            live = self.start_live_load(rnd, "catchup")
            self.wait_flowing(port)
            _, dbs = dbsync_info(port)
            replayed0 = int(dbs[1]["replayed"])
            self.jr_b = self.start_redis("jb", port=self.ports["jb"], data_dir=self.redis_dir("jb"),
                                         extra=self.jr_redis_args, log_name="redis-jb.%d" % (rnd + 1),
                                         timeout=120)
            t0 = time.monotonic()
            fwd0 = int(dbsync_info(port)[0]["commands_forwarded"])
            deadline = t0 + max(30, self.a.catchup_n / 5000)
            while True:
                f, dbs = dbsync_info(port)
                t1 = time.monotonic()
                if dbs[1]["state"] == "up":
                    break
                if dbs[1]["state"] == "diverged":
                    raise RuntimeError("B is diverged: " + dbs[1]["last_error"])
                if t1 > deadline:
                    raise RuntimeError("B not up %.0f s after its restart (%s)" % (t1 - t0, dbs[1]["state"]))
                time.sleep(POLL_S)
            rec["catchup_s"] = t1 - t0
            rec["replayed"] = int(dbs[1]["replayed"]) - replayed0
            rec["replayed_per_s"] = rec["replayed"] / rec["catchup_s"]
            rec["live_during"] = (int(f["commands_forwarded"]) - fwd0) / rec["catchup_s"]
            # The same load with both databases up, after.
            self.wait_for(port, lambda f, dbs: int(dbs[1]["behind_entries"]) < 1000, "B close behind", 30)
            rec["live_after"] = self.live_rate(port)
            self.procs.stop(live)
            live = None

            # Load stopped, nothing behind: the copies must be identical.
            self.wait_caught_up(port)
            got = {}
            for name in ("ja", "jb"):
                size = resp_command(self.ports[name], "DBSIZE", timeout=30).decode().strip()
                digest = resp_command(self.ports[name], "DEBUG", "DIGEST", timeout=60).decode().strip()
                got[name] = (size.lstrip(":"), digest.lstrip("+"))
            rec["dbsize"] = {k: v[0] for k, v in got.items()}
            rec["digest"] = {k: v[1] for k, v in got.items()}
            rec["identical"] = got["ja"] == got["jb"]
            log("journal round %d  catch-up: %s records in %.2f s (%s/s), live load %s/s (%s/s without), "
                "%.1f journal bytes per SET, A and B %s" % (
                    rnd + 1, fmt_int(rec["replayed"]), rec["catchup_s"], fmt_int(rec["replayed_per_s"]),
                    fmt_int(rec["live_during"]), fmt_int((rec["live_before"] + rec["live_after"]) / 2),
                    rec["journal_bytes"] / max(1, rec["journaled"]),
                    "identical (DBSIZE %s)" % rec["dbsize"]["ja"] if rec["identical"] else "DIFFER %r" % got))
        except (OSError, RuntimeError, ValueError, KeyError, IndexError, subprocess.TimeoutExpired) as e:
            rec["error"] = "%s: %s" % (type(e).__name__, e)
            log("journal round %d  catch-up FAILED: %s" % (rnd + 1, rec["error"]))
        finally:
            if live is not None:
                self.procs.stop(live)
            if self.jr_b.poll() is not None and rec["error"]:
                # A round that failed with B down leaves it down: the next
                # round needs it back.
                try:
                    self.procs.stop(self.jr_b)
                    self.jr_b = self.start_redis("jb", port=self.ports["jb"], data_dir=self.redis_dir("jb"),
                                                 extra=self.jr_redis_args, log_name="redis-jb.%d.again" % (rnd + 1),
                                                 timeout=120)
                except SystemExit as e:
                    log("journal: database B did not start again: %s" % e)
        return rec

    # -- helpers of the catch-up

    def start_live_load(self, rnd, when):
        argv = ["redis-benchmark", "-h", HOST, "-p", str(self.ports[CATCHUP]), "-c", "20", "-d", "100",
                "-t", "set", "-P", "1", "-r", "1000000", "-n", "1000000000", "--csv"]
        return self.procs.start("live-load.%d.%s" % (rnd + 1, when), argv)

    def wait_flowing(self, port, timeout=10.0):
        """Until the live load's commands go through (its clients are connected)."""
        first = int(dbsync_info(port)[0]["commands_forwarded"])
        self.wait_for(port, lambda f, dbs: int(f["commands_forwarded"]) > first + 1000, "the live load", timeout)

    def live_rate(self, port):
        """The live load's requests/s over --live-window, once it flows."""
        self.wait_flowing(port)
        f0, t0 = dbsync_info(port)[0], time.monotonic()
        time.sleep(self.a.live_window)
        f1, t1 = dbsync_info(port)[0], time.monotonic()
        return (int(f1["commands_forwarded"]) - int(f0["commands_forwarded"])) / (t1 - t0)

    def wait_for(self, port, cond, what, timeout):
        deadline = time.monotonic() + timeout
        while True:
            f, dbs = dbsync_info(port)
            if cond(f, dbs):
                return f, dbs
            if time.monotonic() > deadline:
                raise RuntimeError("timed out waiting for %s: %s" % (what, [
                    (d.get("state"), d.get("behind_entries")) for d in dbs]))
            time.sleep(POLL_S)

    def wait_caught_up(self, port):
        self.wait_for(port, lambda f, dbs: all(d["state"] == "up" and d["behind_entries"] == "0"
                                               and d["pending"] == "0" for d in dbs), "both databases caught up", 60)

    def wait_retired(self, port):
        """Until the janitor retired what both databases applied (about a
        second): from then on, with B down, the journal only grows."""
        try:
            self.wait_for(port, lambda f, dbs: int(f["journal_first_seq"]) > int(f["journal_head_seq"]),
                          "the journal retired", 5)
        except RuntimeError:
            pass  # bytes_valid then says whether the measurement holds

    # -- results

    def journal_summary(self):
        s = {}
        for t, _, _ in JOURNAL_TARGETS:
            for pl in (16, 1):
                rows = [r for r in (self.jr_raw or []) if (r["target"], r["pipeline"]) == (t, pl)]
                s["%s -P%d" % (t, pl)] = dict(
                    rps=median([r["rps"] for r in rows]), p50=median([r["p50"] for r in rows]),
                    p99=median([r["p99"] for r in rows]), spread=spread([r["rps"] for r in rows]),
                    rounds=len([r for r in rows if r["rps"] is not None]))
        ok = [r for r in (self.jr_catchup or []) if not r["error"]]
        ref = [(r["live_before"] + r["live_after"]) / 2 for r in ok]
        c = dict(rounds=len(self.jr_catchup or []), measured=len(ok),
                 replayed=median([r["replayed"] for r in ok]), seconds=median([r["catchup_s"] for r in ok]),
                 replayed_per_s=median([r["replayed_per_s"] for r in ok]),
                 replayed_spread=spread([r["replayed_per_s"] for r in ok]),
                 live_during=median([r["live_during"] for r in ok]), live_without=median(ref),
                 identical=len([r for r in ok if r["identical"]]),
                 bytes_per_set=median([r["journal_bytes"] / r["journaled"] for r in ok
                                       if r["bytes_valid"] and r["journaled"]]),
                 journaled_per_set=median([r["journaled"] / r["bulk_sets"] for r in ok]),
                 errors=[r["error"] for r in (self.jr_catchup or []) if r["error"]])
        c["live_ratio"] = ratio(c["live_during"], c["live_without"])
        s["catchup"] = c
        return s

    def journal_ratio(self, s, target, pl):
        return ratio(s["%s -P%d" % (target, pl)]["rps"], s["dj_none -P%d" % pl]["rps"])

    def journal_round_ratio(self, target, pl):
        """The median over the rounds of each round's ratio to --no-journal:
        the two ran back to back, so slow drift of a shared machine cancels
        out better than in the ratio of medians."""
        by = {(r["round"], r["target"]): r["rps"] for r in (self.jr_raw or []) if r["pipeline"] == pl}
        return median([ratio(by.get((n, target)), by.get((n, "dj_none")))
                       for n in range(1, self.a.journal_rounds + 1)])

    def journal_targets(self, s):
        """(name, wanted, measured, ok): ok None when not measured."""
        out = []
        for pl, want in JOURNAL_GOALS:
            x = self.journal_ratio(s, "dj_everysec", pl)
            out.append(("journal (fsync everysec) vs --no-journal, -P %d" % pl, "≥ %.2f×" % want, fmt_ratio(x),
                        None if x is None else x >= want))
        for pl in (16, 1):
            out.append(("journal --journal-fsync always vs --no-journal, -P %d (reference)" % pl, "",
                        fmt_ratio(self.journal_ratio(s, "dj_always", pl)), None))
        c = s["catchup"]
        out.append(("A and B identical after each catch-up (DBSIZE, DEBUG DIGEST)", "every round",
                    "%d of %d rounds" % (c["identical"], c["rounds"]),
                    None if not c["rounds"] else c["identical"] == c["rounds"]))
        return out

    def journal_tables(self, h="##", with_targets=True):
        """The journal's part of a Markdown report, headings at level h."""
        s = self.journal_summary()
        L = []
        L.append("%s Journal: redis-benchmark -c 50 -d 100 -t set, dbsyncd -> 2 dbs (ops/s, latency in ms)" % h)
        L.append("")
        L.append("Journals on %s; %d round(s), daemons interleaved (order reversed every other round); "
                 "medians; -n %d with -P 16, -n %d with -P 1." % (
                     self.jr_fs or "?", self.a.journal_rounds, self.a.journal_n16, self.a.journal_n1))
        L.append("")
        L.append("| dbsyncd | -P | SET ops/s | p50 | p99 | vs --no-journal | per round | spread |")
        L.append("|---|--:|--:|--:|--:|--:|--:|--:|")
        for pl in (16, 1):
            for t, label, _ in JOURNAL_TARGETS:
                r = s["%s -P%d" % (t, pl)]
                if r["rps"] is None:
                    L.append("| %s | %d | n/a | | | %s | | |" % (label, pl, self.na.get(t, "failed (see logs)")))
                    continue
                L.append("| %s | %d | %s | %s | %s | %s | %s | %s |" % (
                    label, pl, fmt_int(r["rps"]), fmt_ms(r["p50"]), fmt_ms(r["p99"]),
                    fmt_ratio(self.journal_ratio(s, t, pl)), fmt_ratio(self.journal_round_ratio(t, pl)),
                    "%.0f%%" % r["spread"] if r["spread"] is not None else ""))
        L.append("")
        L.append("vs --no-journal: the ratio of the medians (the targets use it); per round: the median of "
                 "each round's ratio, the two daemons run back to back.")
        L.append("")
        c = s["catchup"]
        L.append("%s Journal: catch-up and size" % h)
        L.append("")
        L.append("Database B shut down, %s SETs (-P 16, -d 100, -r 1000000) through dbsyncd, B started again on "
                 "its AOF; meanwhile a live load of redis-benchmark -c 20 -P 1 -d 100 -t set. Catch-up time: from "
                 "B answering PING to DBSYNC INFO saying state=up (polled every %d ms; dbsyncd "
                 "--reconnect-max 100). The load without catch-up: the mean of %.0f s windows just before B "
                 "went down and just after it caught up. Medians of %d round(s)." % (
                     fmt_int(self.a.catchup_n), POLL_S * 1000, self.a.live_window, c["measured"]))
        L.append("")
        L.append("| measurement | value |")
        L.append("|---|--:|")
        if not c["measured"]:
            why = "; ".join(c["errors"]) or self.na.get(CATCHUP, "not run")
            L.append("| catch-up | n/a: %s |" % why)
        else:
            L.append("| records replayed to B | %s |" % fmt_int(c["replayed"]))
            L.append("| seconds from B's restart to up | %.2f |" % c["seconds"])
            L.append("| records replayed per second | %s (spread %s) |" % (
                fmt_int(c["replayed_per_s"]),
                "%.0f%%" % c["replayed_spread"] if c["replayed_spread"] is not None else "n/a"))
            L.append("| live load during the catch-up, ops/s | %s |" % fmt_int(c["live_during"]))
            L.append("| same load, both databases up, ops/s | %s |" % fmt_int(c["live_without"]))
            L.append("| during / without | %s |" % fmt_ratio(c["live_ratio"]))
            L.append("| journal bytes on disk per SET (-d 100, B down) | %s |" % (
                "n/a (a segment was retired meanwhile)" if c["bytes_per_set"] is None
                else "%.1f" % c["bytes_per_set"]))
            L.append("| journal records per SET | %.3f |" % c["journaled_per_set"])
            L.append("| A and B identical afterwards (DBSIZE, DEBUG DIGEST) | %d of %d rounds |" % (
                c["identical"], c["rounds"]))
        for e in c["errors"]:
            L.append("")
            L.append("Catch-up failed in a round: %s" % e)
        if with_targets:
            L.append("")
            L.append("%s Journal targets (ratios of medians from this run)" % h)
            L.append("")
            L.append("| target | wanted | measured | met? |")
            L.append("|---|--:|--:|:-:|")
            for name, want, measured, ok in self.journal_targets(s):
                L.append("| %s | %s | %s | %s |" % (name, want or "—", measured,
                                                     {True: "yes", False: "**no**", None: "n/a"}[ok] if want else "—"))
        L.append("")
        return L

    def journal_summary_block(self):
        """A few plain lines for the end of the output."""
        s = self.journal_summary()
        L = ["journal summary (medians of %d round(s); journals on %s):" % (self.a.journal_rounds, self.jr_fs)]
        for pl, want in JOURNAL_GOALS:
            x = self.journal_ratio(s, "dj_everysec", pl)
            L.append("  -P %-2d  no journal %s/s   everysec %s/s (%s, per round %s; target >= %.2fx: %s)   "
                     "always %s/s (%s)" % (
                pl, fmt_int(s["dj_none -P%d" % pl]["rps"]), fmt_int(s["dj_everysec -P%d" % pl]["rps"]),
                fmt_ratio(x), fmt_ratio(self.journal_round_ratio("dj_everysec", pl)), want,
                "n/a" if x is None else ("yes" if x >= want else "NO"),
                fmt_int(s["dj_always -P%d" % pl]["rps"]), fmt_ratio(self.journal_ratio(s, "dj_always", pl))))
        c = s["catchup"]
        if c["measured"]:
            L.append("  catch-up: %s records in %.2f s = %s records/s; live load %s/s during, %s/s without (%s)" % (
                fmt_int(c["replayed"]), c["seconds"], fmt_int(c["replayed_per_s"]), fmt_int(c["live_during"]),
                fmt_int(c["live_without"]), fmt_ratio(c["live_ratio"])))
            L.append("  journal: %s bytes on disk per SET (-d 100)" % (
                "n/a" if c["bytes_per_set"] is None else "%.1f" % c["bytes_per_set"]))
        L.append("  A and B identical after catch-up: %d of %d round(s)%s" % (
            c["identical"], c["rounds"], "" if not c["errors"] else "; errors: " + "; ".join(c["errors"])))
        return "\n".join(L)

    def journal_failed_check(self):
        """True when A and B differed, or a catch-up failed: not a figure, a fault."""
        c = self.journal_summary()["catchup"]
        return bool(c["errors"]) or c["identical"] != c["rounds"]

    def journal_json(self):
        return dict(filesystem=self.jr_fs, summary=self.journal_summary(),
                    raw=dict(redis_benchmark=self.jr_raw or [], catchup=self.jr_catchup or []))

    def write_journal(self):
        """OUT/journal.md and OUT/journal.json; returns the Markdown."""
        load_after = open("/proc/loadavg").read().split()[:3]
        rc, out, _ = run_bounded(["git", "-C", ROOT, "describe", "--always", "--dirty"], 10)
        L = ["# dbsyncd journal benchmark", ""]
        L.append("Run %s on %d CPU(s), %s; load average %s before, %s after; %.0f s in all." % (
            time.strftime("%Y-%m-%d %H:%M"), os.cpu_count() or 0, out.strip() if rc == 0 else "?",
            "/".join(self.load_before), "/".join(load_after), time.monotonic() - self.t0))
        L.append("")
        L += self.journal_tables()
        L.append("Spread = (max − min) / median over the rounds: above ~10% the machine was busy and the "
                 "ratios are rough.")
        for n in self.notes:
            L.append("")
            L.append(n)
        L.append("")
        md = "\n".join(L)
        with open(os.path.join(self.out, "journal.md"), "w") as f:
            f.write(md)
        with open(os.path.join(self.out, "journal.json"), "w") as f:
            json.dump(dict(args=vars(self.a), not_measured=self.na, notes=self.notes, **self.journal_json()), f,
                      indent=1)
        return md


class JournalRun(Servers, RedisBenchmark, Journal):
    """make bench-journal on its own: the servers (common.py), the runs
    (redis_benchmark.py) and the journal measurements."""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_journal_arguments(ap)
    ap.add_argument("--budget", type=int, default=300,
                    help="seconds the measurements may take, build not included (default 300)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "out"), help="output directory (default bench/out)")
    ap.add_argument("--quick", action="store_true", help="1 round, small -n: a smoke test of the script")
    ap.add_argument("--strict", action="store_true", help="exit 1 also when a target is missed")
    a = ap.parse_args()
    if a.quick:
        quick_journal_arguments(a)
    install_signal_handlers(a.budget)
    b = JournalRun(a)
    status = 0
    try:
        b.prepare(logs="journal-logs", tmp="journal-tmp")
        b.run_journal()
        print(b.write_journal())
        print(b.journal_summary_block())
        if b.journal_failed_check():
            status = 1
        if a.strict and any(ok is False for _, _, _, ok in b.journal_targets(b.journal_summary())):
            status = 1
        log("wrote %s/{journal.md,journal.json} and journal-logs/" % os.path.relpath(b.out, os.getcwd()))
    except (Interrupted, BudgetExceeded, KeyboardInterrupt) as e:
        log("stopped: %s; cleaning up" % (e or "interrupted"))
        status = 130 if isinstance(e, (Interrupted, KeyboardInterrupt)) else 124
    finally:
        ignore_signals()
        b.cleanup()
    return status


if __name__ == "__main__":
    sys.exit(main())
