"""DBSYNC INFO and /metrics show the same numbers: every INFO counter or
gauge has a Prometheus twin with the same value after real traffic (and
every metric an INFO field), and the metrics table in docs/operations.md lists exactly the
families /metrics serves. Both views are rendered from one table
(daemon/stats_table.cpp); these tests hold the names users depend on."""

import os
import re
import socket
import time

import pytest

from harness import ROOT, ReplyError, free_port, parse_info
from test_ops import Metrics, metrics_dbsyncd
from test_tls import KEY_SPECS, Key, TlsClient

# INFO field -> its metric. Every INFO field that is a number is here.
INFO_TO_METRIC = {
    "connected_clients": "dbsyncd_clients_connected",
    "total_connections": "dbsyncd_client_connections_total",
    "rejected_clients": "dbsyncd_clients_rejected_total",
    "protocol_errors": "dbsyncd_client_protocol_errors_total",
    "client_timeouts": "dbsyncd_client_timeouts_total",
    "client_output_overflows": "dbsyncd_client_output_overflows_total",
    "client_buffer_bytes": "dbsyncd_client_buffer_bytes",
    "client_buffer_evictions": "dbsyncd_client_buffer_evictions_total",
    "tls_trusted_keys": "dbsyncd_tls_trusted_keys",
    "tls_handshakes_in_progress": "dbsyncd_tls_handshakes_in_progress",
    "tls_handshakes_refused": "dbsyncd_tls_handshakes_refused_total",
    "tls_handshakes_accepted": "dbsyncd_tls_handshakes_accepted_total",
    "tls_handshakes_rejected": "dbsyncd_tls_handshakes_rejected_total",
    "tls_handshake_timeouts": "dbsyncd_tls_handshake_timeouts_total",
    "tls_key_reloads": "dbsyncd_tls_key_reloads_total",
    "tls_key_reload_failures": "dbsyncd_tls_key_reload_failures_total",
    "commands_forwarded": "dbsyncd_commands_forwarded_total",
    "commands_failed": "dbsyncd_commands_failed_total",
    "commands_rejected": "dbsyncd_commands_rejected_total",
    "commands_rewritten": "dbsyncd_commands_rewritten_total",
    "commands_leader_first": "dbsyncd_commands_leader_first_total",
    "reads_one_database": "dbsyncd_reads_one_database_total",
    "reads_retried": "dbsyncd_reads_retried_total",
    "replies_divergent": "dbsyncd_commands_divergent_total",
    "databases": "dbsyncd_databases",
    "databases_connected": "dbsyncd_databases_connected",
    "journal_head_seq": "dbsyncd_journal_head_seq",
    "journal_first_seq": "dbsyncd_journal_first_seq",
    "journal_bytes": "dbsyncd_journal_bytes",
    "journal_segments": "dbsyncd_journal_segments",
    "journal_write_errors": "dbsyncd_journal_write_errors_total",
    "journal_writes_not_journaled": "dbsyncd_journal_writes_not_journaled_total",
    "journal_fsyncs": "dbsyncd_journal_fsyncs_total",
    "journal_truncated_records": "dbsyncd_journal_truncated_records",
}
# Descriptions, not figures to graph: INFO only.
INFO_ONLY = {"version", "process_id", "uptime_seconds", "listen", "ack", "tls", "journal", "journal_dir",
             "journal_fsync", "journal_instance"}
# Field of a dbN line -> its metric, labelled database="ADDRESS".
DB_FIELD_TO_METRIC = {
    "pending": "dbsyncd_database_pending_commands",
    "ok": "dbsyncd_database_replies_total",
    "failed": "dbsyncd_database_failures_total",
    "unknown": "dbsyncd_database_outcome_unknown_total",
    "reconnects": "dbsyncd_database_reconnects_total",
    "overflows": "dbsyncd_database_overflows_total",
    "applied_seq": "dbsyncd_database_applied_seq",
    "behind_entries": "dbsyncd_database_behind_entries",
    "behind_bytes": "dbsyncd_database_behind_bytes",
    "behind_seconds": "dbsyncd_database_behind_seconds",
    "replayed": "dbsyncd_database_replayed_total",
}
DB_SPECIAL = {"address", "state", "latency_us", "last_error"}
# Metrics whose INFO counterpart is in another form: start time for uptime,
# a label for the version, up, diverged, catching_up and the one-hot state
# for state=, the histogram for latency_us.
METRIC_ONLY = {"dbsyncd_build_info", "dbsyncd_process_start_time_seconds", "dbsyncd_database_up",
               "dbsyncd_database_state", "dbsyncd_database_reply_seconds", "dbsyncd_database_diverged",
               "dbsyncd_database_catching_up"}


def twin_problems(info, m):
    """Every way the two views disagree; empty when they agree."""
    problems = []
    dbs = {k: v for k, v in info.items() if re.fullmatch(r"db\d+", k)}
    expected_families = set(METRIC_ONLY)
    for key, value in info.items():
        if key in dbs or key in INFO_ONLY:
            continue
        metric = INFO_TO_METRIC.get(key)
        if metric is None:
            problems.append(f"INFO field {key} has no known metric twin")
            continue
        expected_families.add(metric)
        got = m.samples.get((metric, frozenset()))
        if got != int(value):
            problems.append(f"{key}={value} but {metric}={got}")
    for name, fields in dbs.items():
        label = ("database", fields["address"])
        for field, value in fields.items():
            if field in DB_SPECIAL:
                continue
            metric = DB_FIELD_TO_METRIC.get(field)
            if metric is None:
                problems.append(f"{name} field {field} has no known metric twin")
                continue
            expected_families.add(metric)
            got = m.samples.get((metric, frozenset([label])))
            if got != int(value):
                problems.append(f"{name} {field}={value} but {metric}={got}")
        state = m.samples.get(("dbsyncd_database_state", frozenset([label, ("state", fields["state"])])))
        if state != 1:
            problems.append(f"{name} state={fields['state']} but dbsyncd_database_state for it is {state}")
        for metric, state in (("dbsyncd_database_up", "up"), ("dbsyncd_database_diverged", "diverged"),
                              ("dbsyncd_database_catching_up", "catching_up")):
            got = m.samples.get((metric, frozenset([label])))
            if got != (fields["state"] == state):
                problems.append(f"{name} state={fields['state']} but {metric}={got}")
        count = m.samples.get(("dbsyncd_database_reply_seconds_count", frozenset([label])))
        total = m.samples.get(("dbsyncd_database_reply_seconds_sum", frozenset([label])))
        mean = round(total * 1e6) // count if count else 0
        if mean != int(fields["latency_us"]):
            problems.append(f"{name} latency_us={fields['latency_us']} but the histogram's mean is {mean} µs")
    if set(m.types) != expected_families:
        problems.append(f"metrics without an INFO twin: {sorted(set(m.types) - expected_families)}; "
                        f"INFO fields without a metric: {sorted(expected_families - set(m.types))}")
    return problems


def wait_for_twins(read_info, metrics_port, timeout=10):
    """Reads INFO, then /metrics, until they agree: a database's reconnect
    attempt may change its state between the two reads."""
    deadline = time.monotonic() + timeout
    while True:
        info = read_info()
        m = Metrics(metrics_port)
        problems = twin_problems(info, m)
        if not problems or time.monotonic() > deadline:
            return info, m, problems
        time.sleep(0.05)


@pytest.fixture(scope="module")
def tls_key(tmp_path_factory):
    return Key(str(tmp_path_factory.mktemp("keys")), "ed25519", KEY_SPECS["ed25519"])


def start(procs, tls_key, tls, journal_dir=None):
    a, b = procs.start_redis(2)
    dead = f"redis:127.0.0.1:{free_port()}"  # never up: its commands fail
    # Reads from every database too: each database's counters then count
    # every command, the dead one's failures included.
    args = ["--ack", "one", "--read-from", "all"] + (["-s", tls_key.public] if tls else [])
    if journal_dir:
        args += ["--journal-dir", str(journal_dir)]
    d = metrics_dbsyncd(procs, [a, b, dead], args)
    connect = (lambda: TlsClient(d.port, tls_key)) if tls else d.client
    return d, a, b, connect


# The TLS run keeps a journal, so the journal's rows are compared too.
@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls-journal"])
def test_every_info_counter_has_a_metric_twin_with_the_same_value(procs, tls_key, tls, tmp_path):
    d, a, b, connect = start(procs, tls_key, tls, tmp_path / "journal" if tls else None)
    with connect() as c:
        assert c.pipeline([("SET", f"k{i}", str(i)) for i in range(20)]) == ["OK"] * 20
        assert c.command("SET", "ttl", "v", "EX", "100") == "OK"  # sent as PXAT: rewritten
        assert isinstance(c.command("SELECT", "1"), ReplyError)  # rejected
        with a.client() as ca, b.client() as cb:
            ca.command("SET", "split", "a")
            cb.command("SET", "split", "b")
        assert c.command("GET", "split") in (b"a", b"b")  # divergent
        if not tls:
            # Not RESP: closed and counted as a protocol error.
            with socket.create_connection(("127.0.0.1", d.port), timeout=5) as junk:
                junk.sendall(b"*1\r\n$x\r\n")
                junk.settimeout(5)
                while junk.recv(4096):
                    pass
        forwarded = 20 + 1 + 1

        info, m, problems = wait_for_twins(lambda: parse_info(c.command("DBSYNC", "INFO")), d.metrics_port)
    assert problems == [], "\n".join(problems)
    # The traffic above shows in both: not a comparison of zeros.
    assert int(info["commands_forwarded"]) == forwarded
    assert int(info["commands_rewritten"]) >= 1
    assert int(info["commands_rejected"]) == 1
    assert int(info["databases"]) == 3 and int(info["databases_connected"]) == 2
    assert int(info["connected_clients"]) == 1
    assert int(info["db2"]["failed"]) == forwarded and info["db2"]["last_error"] != ""
    assert int(info["db0"]["ok"]) >= forwarded
    if tls:
        assert info["tls"] == "on" and int(info["tls_trusted_keys"]) == 1
        assert int(info["tls_handshakes_accepted"]) >= 1
        assert info["journal"] == "on" and int(info["journal_head_seq"]) > 0 and "dbsyncd_journal_bytes" in m.types
        # The dead database holds the journal back: everything written is behind for it.
        assert int(info["db2"]["behind_entries"]) == 20 + 1
    else:
        assert info["journal"] == "off" and "journal_head_seq" not in info
        assert "dbsyncd_journal_bytes" not in m.types
        assert info["tls"] == "off" and "tls_trusted_keys" not in info
        assert "dbsyncd_tls_trusted_keys" not in m.types
        assert int(info["protocol_errors"]) == 1


def readme_metric_families():
    with open(os.path.join(ROOT, "docs", "operations.md")) as f:
        text = f.read()
    table = text[text.index("| metric | type | meaning |"):]
    table = table[:table.index("\n\n")]
    names = set()
    for row in table.splitlines()[2:]:
        names.update(re.findall(r"dbsyncd_[a-z0-9_]+", row.split(" | ")[0]))
    return names


def test_readme_metrics_table_lists_what_metrics_serves(procs, tls_key, tmp_path):
    # With --pubkey and a journal, so the TLS and journal gauges are served too.
    d, _, _, _ = start(procs, tls_key, tls=True, journal_dir=tmp_path / "journal")
    served = set(Metrics(d.metrics_port).types)
    listed = readme_metric_families()
    assert served - listed == set(), "served but not in the metrics table in docs/operations.md"
    assert listed - served == set(), "in the metrics table in docs/operations.md but not served"
