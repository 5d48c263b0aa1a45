"""dbsyncd's memory: its peak RSS with many idle clients, and its RSS after
1,000,000 commands compared with after 100,000."""

import resource
import selectors
import socket
import time

from common import HOST, count_fds, fmt_mib, log, proc_status, run_bounded


class Memory:
    """The RSS measurements (a part of run.Bench, on common.Servers' state)."""

    def run_rss(self):
        if self.remaining() < 40:
            self.notes.append("RSS measurements skipped: out of time budget.")
            return
        self.rss_idle()
        if self.remaining() < 30:
            self.notes.append("RSS growth measurement skipped: out of time budget.")
            return
        self.rss_growth()

    def rss_idle(self):
        want = self.a.idle_clients
        p, why = self.start_dbsyncd("dbsyncd_idle", ["r1"], extra=["--max-clients", str(max(20000, want + 100))])
        if not p:
            self.rss["idle_error"] = "dbsyncd did not start: %s" % why
            return
        pid = p.pid
        base = proc_status(pid)
        fds0 = count_fds(pid)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        need = want + 256
        if soft < need:
            new_hard = hard if hard == resource.RLIM_INFINITY else max(hard, need)
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (need, new_hard))
            except (ValueError, OSError):
                try:
                    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
                except (ValueError, OSError):
                    pass
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        n = min(want, soft - 64)
        if n < want:
            self.notes.append("Idle clients: RLIMIT_NOFILE allows only %d of %d connections." % (n, want))
        t = time.monotonic()
        socks, errors = open_idle_clients(self.ports["dbsyncd_idle"], n, timeout=min(90, self.remaining() - 20))
        held = count_fds(pid)
        time.sleep(0.3)
        with_clients = proc_status(pid)
        self.rss.update(
            idle_clients_wanted=want, idle_clients=len(socks), idle_errors=errors,
            idle_connect_seconds=round(time.monotonic() - t, 2),
            idle_daemon_fds=(held - fds0) if (held is not None and fds0 is not None) else None,
            base_rss_kib=base.get("VmRSS"), idle_rss_kib=with_clients.get("VmRSS"),
            idle_hwm_kib=with_clients.get("VmHWM"))
        if len(socks) and base.get("VmRSS") and with_clients.get("VmRSS"):
            self.rss["idle_kib_per_client"] = round((with_clients["VmRSS"] - base["VmRSS"]) / len(socks), 2)
        for s in socks:
            s.close()
        time.sleep(0.5)
        after = proc_status(pid)
        self.rss["idle_after_close_rss_kib"] = after.get("VmRSS")
        # VmHWM is the kernel's high-water mark; it can lag a fresh VmRSS reading by a page or so.
        self.rss["idle_peak_hwm_kib"] = max(x for x in (after.get("VmHWM"), with_clients.get("VmHWM"),
                                                        with_clients.get("VmRSS"), 0) if x is not None) or None
        log("idle clients: %d connected, daemon RSS %s -> %s, peak %s" % (
            len(socks), fmt_mib(base.get("VmRSS")), fmt_mib(with_clients.get("VmRSS")),
            fmt_mib(after.get("VmHWM"))))
        self.procs.stop(p)

    def rss_growth(self):
        p, why = self.start_dbsyncd("dbsyncd_growth", ["r1"])
        if not p:
            self.rss["growth_error"] = "dbsyncd did not start: %s" % why
            return
        pid, port = p.pid, self.ports["dbsyncd_growth"]
        marks = {}
        done = 0
        for total in (100000, 1000000):
            n = total - done
            argv = ["redis-benchmark", "-h", HOST, "-p", str(port), "-c", "50", "-d", "100", "-t", "set",
                    "-P", "16", "-n", str(n), "--csv"]
            rc, out, err = run_bounded(argv, min(180, max(10, self.remaining() - 10)))
            if rc != 0:
                self.rss["growth_error"] = "redis-benchmark -n %d: rc=%s %s" % (n, rc, err.strip()[-200:])
                break
            done = total
            time.sleep(0.3)
            marks[total] = proc_status(pid).get("VmRSS")
        self.rss.update(growth_rss_100k_kib=marks.get(100000), growth_rss_1m_kib=marks.get(1000000),
                        growth_hwm_kib=proc_status(pid).get("VmHWM"))
        log("RSS after 100k commands %s, after 1M %s" % (fmt_mib(marks.get(100000)), fmt_mib(marks.get(1000000))))
        self.procs.stop(p)


def open_idle_clients(port, n, timeout):
    """n connections that each send one PING, read +PONG, then stay idle."""
    sel = selectors.DefaultSelector()
    socks, pending, errors = [], {}, 0

    def give_up(s):
        nonlocal errors
        sel.unregister(s)
        s.close()
        del pending[s]
        errors += 1

    deadline = time.monotonic() + timeout
    batch = 500
    i = 0
    while (i < n or pending) and time.monotonic() < deadline:
        while i < n and len(pending) < batch:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            rc = s.connect_ex((HOST, port))
            if rc not in (0, 115):  # EINPROGRESS
                s.close()
                errors += 1
                i += 1
                continue
            pending[s] = b""
            sel.register(s, selectors.EVENT_WRITE, "connect")
            i += 1
        for key, ev in sel.select(timeout=0.5):
            s = key.fileobj
            if key.data == "connect":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    give_up(s)
                    continue
                try:
                    s.send(b"*1\r\n$4\r\nPING\r\n")
                except OSError:
                    give_up(s)
                    continue
                sel.modify(s, selectors.EVENT_READ, "reply")
            else:
                try:
                    data = s.recv(64)
                except OSError:
                    data = b""
                if not data:
                    give_up(s)
                    continue
                pending[s] += data
                if pending[s].endswith(b"\r\n"):
                    sel.unregister(s)
                    del pending[s]
                    socks.append(s)
    for s in list(pending):
        give_up(s)
    sel.close()
    return socks, errors
