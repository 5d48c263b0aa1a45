"""redis-benchmark -c 50 -d 100 -t set,get, -P 1 and -P 16, against
redis-server direct, twemproxy and the dbsyncd instances of common.Servers:
rounds with the targets interleaved, and their medians."""

import csv
import io

from common import BUSY_POLL_US, HOST, fmt_int, log, median, resp_command, run_bounded, spread

RB_TARGETS = [  # key, label (the order is round 0's order)
    ("redis", "redis-server direct"),
    ("twemproxy", "twemproxy (nutcracker) -> 1 db"),
    ("dbsyncd1", "dbsyncd -> 1 db"),
    ("dbsyncd2", "dbsyncd -> 2 dbs"),
    ("dbsyncd_tls", "dbsyncd --pubkey (TLS) -> 1 db"),
    # Not a target: what the opt-in --busy-poll buys (see docs/benchmarks.md).
    ("dbsyncd1_bp", "dbsyncd --busy-poll %d -> 1 db" % BUSY_POLL_US),
]
RB_LABEL = dict(RB_TARGETS)
RB_SHORT = {"redis": "redis", "twemproxy": "twemproxy", "dbsyncd1": "dbsyncd\\n1 db",
            "dbsyncd2": "dbsyncd\\n2 dbs", "dbsyncd_tls": "dbsyncd\\nTLS 1 db",
            "dbsyncd1_bp": "dbsyncd\\nbusy-poll"}


class RedisBenchmark:
    """The redis-benchmark rows (a part of run.Bench, on common.Servers' state)."""

    def redis_benchmark(self, target, pipeline, n, tests=("SET", "GET"), slowest_rps=20000):
        """One redis-benchmark -c 50 -d 100 run: ({test: rps, avg, p50, p99}, error or None).
        slowest_rps: the rate below which the run is cut short as stuck."""
        argv = ["redis-benchmark", "-h", HOST, "-p", str(self.ports[target]), "-c", "50", "-d", "100",
                "-t", ",".join(t.lower() for t in tests), "-P", str(pipeline), "-n", str(n), "--csv"]
        if target == "dbsyncd_tls":
            argv += ["--tls", "--insecure", "--cert", self.tls["cert"], "--key", self.tls["key"]]
        # Generous: a target would have to run below slowest_rps to hit this.
        timeout = min(max(30, len(tests) * n / slowest_rps + 15), max(10, self.remaining() - 5))
        rc, out, err = run_bounded(argv, timeout)
        rows = {}
        for row in csv.reader(io.StringIO(out)):
            if len(row) >= 8 and row[0] in tests:
                try:
                    rows[row[0]] = dict(rps=float(row[1]), avg=float(row[2]), p50=float(row[4]),
                                        p99=float(row[6]))
                except ValueError:
                    pass
        error = None
        if rc != 0 or len(rows) != len(tests):
            error = "rc=%s: %s" % (rc, (err.strip().splitlines() or ["no output"])[-1])
        return rows, error

    def run_rb(self):
        targets = [t for t, _ in RB_TARGETS if t in self.ports]
        for t, _ in RB_TARGETS:
            if t not in self.ports and t not in self.na:
                self.na[t] = "did not start"
        for rnd in range(self.a.rounds):
            order = targets if rnd % 2 == 0 else list(reversed(targets))
            for pipeline, n in ((1, self.a.n1), (16, self.a.n16)):
                for t in order:
                    if self.remaining() < 60:
                        self.notes.append("redis-benchmark: stopped after round %d of %d to stay within "
                                          "the time budget." % (rnd, self.a.rounds))
                        return
                    rows, error = self.redis_benchmark(t, pipeline, n)
                    for test in ("SET", "GET"):
                        r = rows.get(test, {})
                        self.rb_raw.append(dict(round=rnd + 1, target=t, pipeline=pipeline, test=test, n=n,
                                                rps=r.get("rps"), p50=r.get("p50"), p99=r.get("p99"),
                                                avg=r.get("avg"), error=error))
                    if error:
                        log("round %d  %-14s -P %-2d  FAILED %s" % (rnd + 1, t, pipeline, error))
                    else:
                        log("round %d  %-14s -P %-2d  SET %9s/s  GET %9s/s" % (
                            rnd + 1, t, pipeline, fmt_int(rows["SET"]["rps"]), fmt_int(rows["GET"]["rps"])))
        # Sanity: the 2-db daemon really wrote to the second database.
        try:
            if "dbsyncd2" in self.ports:
                got = resp_command(self.ports["r2"], "EXISTS", "key:__rand_int__")
                if not got.startswith(b":1"):
                    self.notes.append("WARNING: after the runs through dbsyncd -> 2 dbs, the second "
                                      "database does not hold the benchmark key.")
        except OSError as e:
            self.notes.append("sanity check of the second database failed: %s" % e)

    def rb_summary(self):
        s = {}
        for t, _ in RB_TARGETS:
            for pl in (1, 16):
                for test in ("SET", "GET"):
                    rows = [r for r in self.rb_raw if (r["target"], r["pipeline"], r["test"]) == (t, pl, test)]
                    s[(t, pl, test)] = dict(
                        rps=median([r["rps"] for r in rows]), p50=median([r["p50"] for r in rows]),
                        p99=median([r["p99"] for r in rows]), spread=spread([r["rps"] for r in rows]),
                        rounds=len([r for r in rows if r["rps"] is not None]))
        return s
