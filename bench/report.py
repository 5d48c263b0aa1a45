"""The run's output: bench/out/results.md (also printed), results.json,
raw.csv and the gnuplot chart bench.png, from what the measurements
recorded (the journal part's tables come from journal.py, which also writes
journal.md)."""

import csv
import json
import os
import shutil
import time

from common import BUSY_POLL_US, ROOT, fmt_int, fmt_mib, fmt_ms, fmt_ratio, log, ratio, run_bounded
from php_loop import PHP_MODES
from redis_benchmark import RB_SHORT, RB_TARGETS


class Report:
    """Writes the results (a part of run.Bench: needs rb_summary(), php_summary(),
    and journal.Journal's tables)."""

    def versions(self):
        v = {}
        for name, argv in (("redis-server", ["redis-server", "--version"]),
                           ("nutcracker", ["nutcracker", "--version"]),
                           ("dbsyncd", [self.dbsyncd, "--version"]),
                           ("php", ["php", "-v"])):
            if shutil.which(argv[0]) or os.access(argv[0], os.X_OK):
                rc, out, err = run_bounded(argv, 10)
                text = (out + err).strip().splitlines()
                v[name] = text[0] if text else "?"
        rc, out, _ = run_bounded(["git", "-C", ROOT, "describe", "--always", "--dirty"], 10)
        v["git"] = out.strip() if rc == 0 else "?"
        return v

    def report(self):
        rb = self.rb_summary()
        php = self.php_summary()
        load_after = open("/proc/loadavg").read().split()[:3]
        L = []
        L.append("# dbsync benchmarks")
        L.append("")
        L.append("Run %s on %d CPU(s), %s; load average %s before, %s after; %.0f s in all. "
                 "redis-benchmark -c 50 -d 100 -t set,get; %d round(s), targets interleaved "
                 "(order reversed every other round); medians. -n %d with -P 1, -n %d with -P 16." % (
                     time.strftime("%Y-%m-%d %H:%M"), os.cpu_count() or 0, self.vers.get("git", "?"),
                     "/".join(self.load_before), "/".join(load_after), time.monotonic() - self.t0,
                     self.a.rounds, self.a.n1, self.a.n16))
        L.append("")
        L.append("## redis-benchmark (ops/s, latency in ms)")
        L.append("")
        L.append("| target | -P | SET ops/s | SET p50 | SET p99 | GET ops/s | GET p50 | GET p99 | vs redis direct (SET / GET) | spread |")
        L.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for pl in (1, 16):
            for t, label in RB_TARGETS:
                S, G = rb[(t, pl, "SET")], rb[(t, pl, "GET")]
                if S["rps"] is None and G["rps"] is None:
                    why = self.na.get(t, "failed (see logs/)")
                    L.append("| %s | %d | n/a | | | n/a | | | %s | |" % (label, pl, why))
                    continue
                rs = ratio(S["rps"], rb[("redis", pl, "SET")]["rps"])
                rg = ratio(G["rps"], rb[("redis", pl, "GET")]["rps"])
                sp = [x for x in (S["spread"], G["spread"]) if x is not None]
                L.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s / %s | %s |" % (
                    label, pl, fmt_int(S["rps"]), fmt_ms(S["p50"]), fmt_ms(S["p99"]),
                    fmt_int(G["rps"]), fmt_ms(G["p50"]), fmt_ms(G["p99"]), fmt_ratio(rs), fmt_ratio(rg),
                    ("%.0f%%" % max(sp)) if sp else ""))
        L.append("")
        L.append("## PHP: %d SETs in a loop (ops/s)" % self.a.php_n)
        L.append("")
        L.append("| client | ops/s | vs phpredis direct | spread |")
        L.append("|---|--:|--:|--:|")
        for k, label, _, _ in PHP_MODES:
            if php[k]["ops"] is None:
                L.append("| %s | n/a | %s | |" % (label, self.na.get("php:" + k, "failed (see results.json)")))
            else:
                L.append("| %s | %s | %s | %s |" % (label, fmt_int(php[k]["ops"]),
                                                    fmt_ratio(ratio(php[k]["ops"], php["phpredis"]["ops"])),
                                                    "%.0f%%" % php[k]["spread"] if php[k]["spread"] is not None else ""))
        L.append("")
        L.append("## dbsyncd memory")
        L.append("")
        r = self.rss
        L.append("| measurement | value |")
        L.append("|---|--:|")
        if "idle_error" in r:
            L.append("| idle clients | n/a: %s |" % r["idle_error"])
        elif r:
            L.append("| RSS at start | %s |" % fmt_mib(r.get("base_rss_kib")))
            L.append("| idle clients connected (each answered one PING) | %s of %s |" % (
                fmt_int(r.get("idle_clients")), fmt_int(r.get("idle_clients_wanted"))))
            L.append("| RSS with the idle clients | %s |" % fmt_mib(r.get("idle_rss_kib")))
            L.append("| RSS per idle client | %s |" % (
                "%.1f KiB" % r["idle_kib_per_client"] if r.get("idle_kib_per_client") is not None else "n/a"))
            L.append("| peak RSS (VmHWM) | %s |" % fmt_mib(r.get("idle_peak_hwm_kib")))
            L.append("| RSS after they disconnected | %s |" % fmt_mib(r.get("idle_after_close_rss_kib")))
        if "growth_error" in r:
            L.append("| RSS growth | n/a: %s |" % r["growth_error"])
        elif r.get("growth_rss_100k_kib"):
            g = self.growth()
            L.append("| RSS after 100,000 SETs (-P 16) | %s |" % fmt_mib(r.get("growth_rss_100k_kib")))
            L.append("| RSS after 1,000,000 SETs | %s |" % fmt_mib(r.get("growth_rss_1m_kib")))
            L.append("| growth from 100k to 1M | %s |" % ("n/a" if g is None else "%+d KiB" % g))
        L.append("")
        if self.jr_raw is None:
            L.append("## Journal")
            L.append("")
            L.append("n/a: %s" % self.na.get("dj_none", "not run"))
            L.append("")
        else:
            L += self.journal_tables(h="##", with_targets=False)
        L.append("## Targets (ratios of medians from this run)")
        L.append("")
        L.append("| target | wanted | measured | met? |")
        L.append("|---|--:|--:|:-:|")
        self.verdicts = []
        for name, want, measured, ok in self.targets(rb, php):
            self.verdicts.append((name, ok))
            L.append("| %s | %s | %s | %s |" % (name, want or "—", measured,
                                                 {True: "yes", False: "**no**", None: "n/a"}[ok] if want else "—"))
        L.append("")
        L.append("Ratios give SET / GET separately; a target is met when both are.")
        L.append("Spread = (max − min) / median of ops/s over the rounds (the larger of SET and GET): "
                 "above ~10% the machine was busy and the ratios are rough.")
        if float(self.load_before[0]) >= 0.5:
            L.append("")
            L.append("Note: the machine was not idle (load average %s at the start): other work shares "
                     "the CPUs with the benchmark; compare ratios, not absolute numbers." % self.load_before[0])
        for n in self.notes:
            L.append("")
            L.append(n)
        L.append("")
        L.append("![ops/s](bench.png)")
        L.append("")
        return "\n".join(L)

    def growth(self):
        a, b = self.rss.get("growth_rss_100k_kib"), self.rss.get("growth_rss_1m_kib")
        return None if (a is None or b is None) else b - a

    def targets(self, rb, php):
        def pair(a, b, pl):
            rs = ratio(rb[(a, pl, "SET")]["rps"], rb[(b, pl, "SET")]["rps"])
            rg = ratio(rb[(a, pl, "GET")]["rps"], rb[(b, pl, "GET")]["rps"])
            return rs, rg

        out = []
        for name, a, b, pl, want in (
                ("dbsyncd → 1 db vs twemproxy, -P 1", "dbsyncd1", "twemproxy", 1, 1.0),
                ("dbsyncd → 1 db vs twemproxy, -P 16", "dbsyncd1", "twemproxy", 16, 1.2),
                ("dbsyncd → 2 dbs vs → 1 db, -P 16", "dbsyncd2", "dbsyncd1", 16, 0.7),
                ("authenticated vs plain dbsyncd, -P 16", "dbsyncd_tls", "dbsyncd1", 16, 0.8)):
            rs, rg = pair(a, b, pl)
            ok = None if (rs is None or rg is None) else (rs >= want and rg >= want)
            out.append((name, "≥ %.1f×" % want, "%s / %s" % (fmt_ratio(rs), fmt_ratio(rg)), ok))
        for name, a, b, want in (("PHP dbsync_send loop vs phpredis direct", "dbsync", "phpredis", 0.7),
                                 ("PHP signed vs unsigned (keepalive)", "dbsync_signed", "dbsync", 0.9)):
            x = ratio(php[a]["ops"], php[b]["ops"])
            out.append((name, "≥ %.1f×" % want, fmt_ratio(x), None if x is None else x >= want))
        # No target: puts the hop's cost in context (twemproxy pays it too),
        # and shows what the opt-in --busy-poll changes.
        for name, a, b in (("PHP dbsync_send via dbsyncd vs phpredis via twemproxy (reference)", "dbsync",
                            "phpredis_twemproxy"),
                           ("PHP loop vs phpredis direct, dbsyncd --busy-poll %d (reference)" % BUSY_POLL_US,
                            "dbsync_bp", "phpredis"),
                           ("PHP signed vs unsigned, both --busy-poll %d (reference)" % BUSY_POLL_US,
                            "dbsync_signed_bp", "dbsync_bp")):
            out.append((name, "", fmt_ratio(ratio(php[a]["ops"], php[b]["ops"])), None))
        x = ratio(rb[("dbsyncd1_bp", 1, "SET")]["rps"], rb[("twemproxy", 1, "SET")]["rps"])
        y = ratio(rb[("dbsyncd1_bp", 1, "GET")]["rps"], rb[("twemproxy", 1, "GET")]["rps"])
        out.append(("dbsyncd --busy-poll %d vs twemproxy, -P 1 (reference)" % BUSY_POLL_US, "",
                    "%s / %s" % (fmt_ratio(x), fmt_ratio(y)), None))
        hwm = self.rss.get("idle_peak_hwm_kib")
        n = self.rss.get("idle_clients")
        ok = None if (hwm is None or n != self.a.idle_clients) else hwm <= 64 * 1024
        out.append(("peak RSS, %s idle clients" % fmt_int(self.a.idle_clients), "≤ 64 MiB",
                    fmt_mib(hwm) + ("" if n in (None, self.a.idle_clients) else " (%s clients)" % fmt_int(n)), ok))
        g = self.growth()
        out.append(("RSS growth from 100k to 1M commands", "≤ 1 MiB",
                    "n/a" if g is None else "%+d KiB" % g, None if g is None else g <= 1024))
        return out + self.journal_targets(self.journal_summary())

    def chart(self):
        gp = shutil.which("gnuplot")
        if not gp:
            self.notes.append("No chart: gnuplot is not installed.")
            return
        rb = self.rb_summary()
        php = self.php_summary()
        if not any(v["rps"] for v in rb.values()):
            self.notes.append("No chart: no redis-benchmark figures in this run.")
            return
        dat = os.path.join(self.out, "chart.dat")
        with open(dat, "w") as f:
            for pl in (1, 16):
                f.write("# -P %d: label SET GET (kops/s)\n" % pl)
                for t, label in RB_TARGETS:
                    s, g = rb[(t, pl, "SET")]["rps"], rb[(t, pl, "GET")]["rps"]
                    f.write('"%s" %s %s\n' % (RB_SHORT[t], "%.3f" % (s / 1000) if s else "NaN",
                                              "%.3f" % (g / 1000) if g else "NaN"))
                f.write("\n\n")
            f.write("# PHP: label ops/s (k)\n")
            for k, label, _, _ in PHP_MODES:
                o = php[k]["ops"]
                short = {"phpredis": "phpredis\\ndirect", "phpredis_twemproxy": "phpredis\\nvia twemproxy",
                         "dbsync_direct": "dbsync_send\\ndirect",
                         "dbsync": "dbsync_send\\nvia dbsyncd", "dbsync_signed": "dbsync_send\\nsigned",
                         "dbsync_bp": "dbsync_send\\nbusy-poll", "dbsync_signed_bp": "signed\\nbusy-poll"}[k]
                f.write('"%s" %s\n' % (short, "%.3f" % (o / 1000) if o else "NaN"))
        png = os.path.join(self.out, "bench.png")
        term = "pngcairo size 1500,600 font 'sans,10'"
        script = """
set terminal %s
set output '%s'
set termoption noenhanced
set datafile missing 'NaN'
set multiplot layout 1,3 title 'dbsync benchmarks: ops/s, medians of %d rounds (no bar: not measured)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set bmargin 4
set grid ytics
set yrange [0:*]
set xtics font ',9'
set key top center horizontal
set offsets 0, 0, graph 0.12, 0
set ylabel 'k ops/s'
set title 'redis-benchmark -c 50 -d 100, -P 1'
plot '%s' index 0 using 2:xtic(1) title 'SET' lc rgb '#4e79a7', '' index 0 using 3 title 'GET' lc rgb '#f28e2b'
set title 'redis-benchmark -c 50 -d 100, -P 16'
plot '%s' index 1 using 2:xtic(1) title 'SET' lc rgb '#4e79a7', '' index 1 using 3 title 'GET' lc rgb '#f28e2b'
set title 'PHP: %d SETs in a loop, one at a time'
unset key
plot '%s' index 2 using 2:xtic(1) title 'SET' lc rgb '#59a14f'
unset multiplot
""" % (term, png, self.a.rounds, dat, dat, self.a.php_n, dat)
        gpf = os.path.join(self.out, "chart.gp")
        with open(gpf, "w") as f:
            f.write(script)
        rc, _, err = run_bounded([gp, gpf], 30)
        if rc != 0:
            # libgd fallback
            with open(gpf, "w") as f:
                f.write(script.replace(term, "png size 1500,600"))
            rc, _, err = run_bounded([gp, gpf], 30)
        if rc != 0:
            self.notes.append("No chart: gnuplot failed: %s" % err.strip()[-200:])

    def write(self):
        self.vers = self.versions()
        self.chart()
        md = self.report()
        with open(os.path.join(self.out, "results.md"), "w") as f:
            f.write(md)
        with open(os.path.join(self.out, "raw.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["kind", "round", "target", "pipeline", "test", "n", "ops_per_sec", "p50_ms", "p99_ms",
                        "avg_ms", "error"])
            for r in self.rb_raw:
                w.writerow(["redis-benchmark", r["round"], r["target"], r["pipeline"], r["test"], r["n"],
                            r["rps"], r["p50"], r["p99"], r["avg"], r["error"] or ""])
            for r in self.php_raw:
                w.writerow(["php", r["round"], r["mode"], "", "SET", r["n"], r["ops"], "", "", "", r["error"] or ""])
            for r in self.jr_raw or []:
                w.writerow(["journal", r["round"], r["target"], r["pipeline"], r["test"], r["n"], r["rps"], r["p50"],
                            r["p99"], r["avg"], r["error"] or ""])
        rb = self.rb_summary()
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump(dict(
                args=vars(self.a), versions=self.vers, not_measured=self.na, notes=self.notes,
                redis_benchmark={"%s -P%d %s" % k: v for k, v in rb.items()},
                php=self.php_summary(), rss_kib=self.rss, journal=self.journal_json(),
                targets=[dict(name=n, ok=ok) for n, ok in self.verdicts],
                raw=dict(redis_benchmark=self.rb_raw, php=self.php_raw)), f, indent=1)
        print(md)
        if self.jr_raw is not None:
            self.write_journal()
            print(self.journal_summary_block())
        log("wrote %s/{results.md,results.json,raw.csv,bench.png%s} and logs/" % (
            os.path.relpath(self.out, os.getcwd()), ",journal.md,journal.json" if self.jr_raw is not None else ""))
