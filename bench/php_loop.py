"""bench/php_loop.php: dbsync_send through dbsyncd, signed and unsigned,
against phpredis straight to redis-server and through twemproxy."""

import os
import re
import shutil

from common import BUSY_POLL_US, HOST, ROOT, fmt_int, log, median, run_bounded, spread

# bench/php_loop.php prints one "name: N ops/s" line per way it measured.
# One run without a signing key gives the first three rows, one run against
# the authenticated dbsyncd with dbsync.signkey set gives the last.
PHP_MODES = [  # key, label, the line's name in php_loop.php's output, run
    ("phpredis", "phpredis -> redis-server direct", "phpredis direct", "unsigned"),
    # What one proxy hop costs a one-at-a-time loop, whoever the proxy is.
    ("phpredis_twemproxy", "phpredis -> twemproxy -> 1 db", "phpredis via twemproxy", "unsigned"),
    ("dbsync_direct", "dbsync_send -> redis-server direct (no daemon)", "dbsync_send direct", "unsigned"),
    ("dbsync", "dbsync_send -> dbsyncd -> 1 db, unsigned", "dbsync_send via dbsyncd", "unsigned"),
    ("dbsync_signed", "dbsync_send -> dbsyncd --pubkey -> 1 db, signed (TLS)", "dbsync_send via dbsyncd", "signed"),
    # The same two through daemons started with --busy-poll (opt-in, no target).
    ("dbsync_bp", "dbsync_send -> dbsyncd --busy-poll %d -> 1 db, unsigned" % BUSY_POLL_US,
     "dbsync_send via dbsyncd", "unsigned_bp"),
    ("dbsync_signed_bp", "dbsync_send -> dbsyncd --pubkey --busy-poll %d -> 1 db, signed" % BUSY_POLL_US,
     "dbsync_send via dbsyncd", "signed_bp"),
]
# Which dbsyncd each php_loop.php run goes through.
PHP_RUN_TARGET = {"unsigned": "dbsyncd1", "signed": "dbsyncd_tls", "unsigned_bp": "dbsyncd1_bp",
                  "signed_bp": "dbsyncd_tls_bp"}
PHP_LABEL = {m[0]: m[1] for m in PHP_MODES}


class PhpLoop:
    """The PHP loop rows (a part of run.Bench, on common.Servers' state)."""

    def php_setup(self):
        php = shutil.which("php")
        loop = os.path.abspath(self.a.php_loop)
        ext = os.path.join(ROOT, "php-ext", "modules", "dbsync.so")
        if not php:
            return "php not installed"
        if not os.path.isfile(loop):
            return "%s not found" % os.path.relpath(loop, ROOT)
        if not os.path.isfile(ext):
            return "php-ext/modules/dbsync.so not built"
        rc, out, _ = run_bounded([php, "-d", "extension=" + ext, "-r",
                                  'echo extension_loaded("redis") ? "R" : "-", '
                                  'function_exists("dbsync_send") ? "D" : "-";'], 20)
        if rc != 0 or "D" not in out:
            return "the PHP extension does not load (php -d extension=%s)" % ext
        self.php = dict(php=php, loop=loop, ext=ext, phpredis="R" in out)
        return None

    def php_run(self, run, n):
        """One php_loop.php process: {mode key: ops/s} and {mode key: why not}."""
        target = PHP_RUN_TARGET[run]
        argv = [self.php["php"], "-d", "extension=" + self.php["ext"], "-d", "dbsync.keepalive=1"]
        env = dict(os.environ, DBSYNC_BENCH_DBSYNCD="%s:%d" % (HOST, self.ports[target]),
                   DBSYNC_BENCH_REDIS="%s:%d" % (HOST, self.ports["redis"]), DBSYNC_BENCH_N=str(n))
        if "twemproxy" in self.ports:
            env["DBSYNC_BENCH_TWEMPROXY"] = "%s:%d" % (HOST, self.ports["twemproxy"])
        if run != "unsigned":
            env["DBSYNC_BENCH_ONLY"] = "dbsyncd"  # the other ways are taken from the unsigned run
        if run.startswith("signed"):
            # The daemon's own key, from the file it wrote in its --state-dir.
            argv += ["-d", "dbsync.signkey=" + self.tls["key"],
                     "-d", "dbsync.server_pubkey=" + os.path.join(self.state_dir(target), "tls-server-pubkey.pem")]
        argv += [self.php["loop"], str(n)]
        timeout = min(max(60, 3 * n / 1000 + 15), max(10, self.remaining() - 5))
        rc, out, err = run_bounded(argv, timeout, env=env, cwd=ROOT)
        lines = parse_php_loop(out, err)
        got, why = {}, {}
        for key, _, name, r in PHP_MODES:
            if r != run:
                continue
            v = lines.get(name.lower())
            if isinstance(v, float):
                got[key] = v
            else:
                tail = (err.strip() or out.strip()).splitlines()
                why[key] = v or "rc=%s: %s" % (rc, tail[-1] if tail else "no output")
        return got, why

    def run_php(self):
        why = self.php_setup()
        if why:
            for m in PHP_MODES:
                self.na["php:" + m[0]] = why
            return
        runs = []
        for run, target in PHP_RUN_TARGET.items():
            if target in self.ports:
                runs.append(run)
            else:
                for key, _, _, r in PHP_MODES:
                    if r == run:
                        self.na["php:" + key] = self.na.get(target, "%s did not start" % target)
        for rnd in range(self.a.rounds):
            for run in (runs if rnd % 2 == 0 else list(reversed(runs))):
                if self.remaining() < 45:
                    self.notes.append("PHP loop: stopped in round %d of %d to stay within the time budget."
                                      % (rnd + 1, self.a.rounds))
                    return
                got, why = self.php_run(run, self.a.php_n)
                for key in list(got) + list(why):
                    self.php_raw.append(dict(round=rnd + 1, mode=key, n=self.a.php_n, ops=got.get(key),
                                             error=why.get(key)))
                    if key in why:
                        self.na.setdefault("php:" + key, why[key])
                log("round %d  php %-8s %s" % (rnd + 1, run, "  ".join(
                    "%s %s" % (k, fmt_int(got[k]) + "/s" if k in got else "n/a (%s)" % why[k])
                    for k in list(got) + list(why))))

    def php_summary(self):
        s = {}
        for k in PHP_LABEL:
            rows = [r["ops"] for r in self.php_raw if r["mode"] == k]
            s[k] = dict(ops=median(rows), spread=spread(rows), rounds=len([x for x in rows if x is not None]))
        return s


def parse_php_loop(text, stderr=""):
    """php_loop.php's "name: N ops/s ..." and "name: skipped: why" lines, as
    {lowercased name: ops/s float or the reason string}."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"\s*(.+?):\s+([0-9][0-9,_]*(?:\.[0-9]+)?)\s*ops/s", line)
        if m:
            out[m.group(1).strip().lower()] = float(m.group(2).replace(",", "").replace("_", ""))
            continue
        m = re.match(r"\s*(.+?):\s+skipped:\s*(.*)", line)
        if m:
            out[m.group(1).strip().lower()] = "skipped: " + m.group(2).strip()
    # A failed dbsync_send says why in a PHP warning; keep the first one.
    warn = re.search(r"Warning:\s+(.*?)(?: in \S+ on line \d+)?$", text + "\n" + stderr, re.M)
    if warn:
        for k, v in out.items():
            if isinstance(v, str):
                out[k] = (v + " (" + warn.group(1).strip() + ")")[:220]
    return out
