#include "stats_table.hpp"

#include <unistd.h>

#include <cstring>

#include "database_backend.hpp"
#include "server.hpp"
#include "tls_gate.hpp"
#include "version.hpp"

namespace dbsync {

namespace {

using Opt = std::optional<uint64_t>;

const Stats &st(const Server &s) { return s.stats(); }

// Only with --pubkey: the gate's own figures.
Opt tlsOnly(const Server &s, uint64_t (*f)(const TlsGate &)) {
    const TlsGate *gate = s.tlsGate();
    if (!gate) return std::nullopt;
    return f(*gate);
}

// Only with a journal.
Opt journalOnly(const Server &s, uint64_t (*f)(const WriteJournal &)) {
    const WriteJournal *j = s.journal();
    if (!j) return std::nullopt;
    return f(*j);
}

std::string journalText(const Server &s, std::string (*f)(const WriteJournal &)) {
    const WriteJournal *j = s.journal();
    return j ? f(*j) : std::string("none");
}

constexpr StatKind C = StatKind::Counter;
constexpr StatKind G = StatKind::Gauge;
constexpr StatKind I = StatKind::InfoOnly;

// Rows with infoName nullptr are metrics only; rows of kind InfoOnly are
// INFO only (their metricName is nullptr). Everything else is in both.
const ServerStat kServerStats[] = {
    {"Server", "version", nullptr, I, "", nullptr, [](const Server &) { return std::string(DBSYNC_VERSION_STRING); }},
    {"Server", "process_id", nullptr, I, "", nullptr, [](const Server &) { return std::to_string(getpid()); }},
    {"Server", "uptime_seconds", nullptr, I, "", nullptr,
     [](const Server &s) { return std::to_string((s.loop().nowMs() - st(s).startMs) / 1000); }},
    {"Server", "listen", nullptr, I, "", nullptr, [](const Server &s) { return s.options().listen.display(); }},
    {"Server", "ack", nullptr, I, "", nullptr,
     [](const Server &s) { return std::string(ackPolicyName(s.options().ack)); }},
    // Prometheus' convention for uptime.
    {"Server", nullptr, "dbsyncd_process_start_time_seconds", G, "Start time of the process since the Unix epoch.",
     [](const Server &s) -> Opt { return static_cast<uint64_t>(st(s).startTime); }, nullptr},

    {"Clients", "connected_clients", "dbsyncd_clients_connected", G, "Clients connected now.",
     [](const Server &s) -> Opt { return st(s).clientsConnected; }, nullptr},
    {"Clients", "total_connections", "dbsyncd_client_connections_total", C, "Client connections accepted.",
     [](const Server &s) -> Opt { return st(s).clientsTotal; }, nullptr},
    {"Clients", "rejected_clients", "dbsyncd_clients_rejected_total", C,
     "Client connections refused (--max-clients reached, or shutting down).",
     [](const Server &s) -> Opt { return st(s).clientsRejected; }, nullptr},
    {"Clients", "protocol_errors", "dbsyncd_client_protocol_errors_total", C,
     "Clients closed for sending something that is not RESP.",
     [](const Server &s) -> Opt { return st(s).protocolErrors; }, nullptr},
    {"Clients", "client_timeouts", "dbsyncd_client_timeouts_total", C,
     "Clients closed for not finishing a request in time (--client-timeout).",
     [](const Server &s) -> Opt { return st(s).clientTimeouts; }, nullptr},
    {"Clients", "client_output_overflows", "dbsyncd_client_output_overflows_total", C,
     "Clients closed for not reading their replies (--client-max-output).",
     [](const Server &s) -> Opt { return st(s).clientOverflows; }, nullptr},
    {"Clients", "client_buffer_bytes", "dbsyncd_client_buffer_bytes", G,
     "Bytes held in the input and output buffers of all clients (bounded by --max-buffer-memory).",
     [](const Server &s) -> Opt { return s.clientMemory().total(); }, nullptr},
    {"Clients", "client_buffer_evictions", "dbsyncd_client_buffer_evictions_total", C,
     "Clients closed because all clients' buffers together passed --max-buffer-memory.",
     [](const Server &s) -> Opt { return st(s).clientBufferEvictions; }, nullptr},

    {"TLS", "tls", nullptr, I, "", nullptr, [](const Server &s) { return std::string(s.tlsGate() ? "on" : "off"); }},
    {"TLS", "tls_trusted_keys", "dbsyncd_tls_trusted_keys", G, "Client public keys trusted now (--pubkey).",
     [](const Server &s) { return tlsOnly(s, [](const TlsGate &g) -> uint64_t { return g.trustedKeys(); }); },
     nullptr},
    {"TLS", "tls_handshakes_in_progress", "dbsyncd_tls_handshakes_in_progress", G,
     "Client TLS handshakes under way now (bounded by --max-handshakes).",
     [](const Server &s) { return tlsOnly(s, [](const TlsGate &g) -> uint64_t { return g.inProgress(); }); },
     nullptr},
    {"TLS", "tls_handshakes_refused", "dbsyncd_tls_handshakes_refused_total", C,
     "Client TLS connections refused with an alert before any handshake (--max-handshakes reached).",
     [](const Server &s) -> Opt { return st(s).tlsHandshakesRefused; }, nullptr},
    {"TLS", "tls_handshakes_accepted", "dbsyncd_tls_handshakes_accepted_total", C,
     "Client TLS handshakes completed with a trusted key (--pubkey).",
     [](const Server &s) -> Opt { return st(s).tlsHandshakesAccepted; }, nullptr},
    {"TLS", "tls_handshakes_rejected", "dbsyncd_tls_handshakes_rejected_total", C,
     "Client TLS handshakes refused (unknown key, bad or timed-out handshake).",
     [](const Server &s) -> Opt { return st(s).tlsHandshakesRejected; }, nullptr},
    {"TLS", "tls_handshake_timeouts", "dbsyncd_tls_handshake_timeouts_total", C,
     "Client TLS handshakes not finished within --handshake-timeout (also counted as rejected).",
     [](const Server &s) -> Opt { return st(s).tlsHandshakeTimeouts; }, nullptr},
    {"TLS", "tls_key_reloads", "dbsyncd_tls_key_reloads_total", C, "SIGHUP key reloads that took effect.",
     [](const Server &s) -> Opt { return st(s).tlsKeyReloads; }, nullptr},
    {"TLS", "tls_key_reload_failures", "dbsyncd_tls_key_reload_failures_total", C,
     "SIGHUP key reloads refused (the previous keys stay in force).",
     [](const Server &s) -> Opt { return st(s).tlsKeyReloadFailures; }, nullptr},

    {"Stats", "commands_forwarded", "dbsyncd_commands_forwarded_total", C,
     "Commands received from clients and sent on to every database.",
     [](const Server &s) -> Opt { return st(s).forwarded; }, nullptr},
    {"Stats", "commands_failed", "dbsyncd_commands_failed_total", C,
     "Forwarded commands whose ack policy could not be met.",
     [](const Server &s) -> Opt { return st(s).failed; }, nullptr},
    {"Stats", "commands_rejected", "dbsyncd_commands_rejected_total", C,
     "Commands refused because a fan-out proxy cannot serve them.",
     [](const Server &s) -> Opt { return st(s).rejected; }, nullptr},
    {"Stats", "commands_rewritten", "dbsyncd_commands_rewritten_total", C,
     "Commands sent to the databases in an absolute form, so every copy gets the same result.",
     [](const Server &s) -> Opt { return st(s).rewritten; }, nullptr},
    {"Stats", "commands_leader_first", "dbsyncd_commands_leader_first_total", C,
     "Commands run on one database first, the others getting their effect (SPOP, XADD with *, XREADGROUP, XAUTOCLAIM).",
     [](const Server &s) -> Opt { return st(s).leaderFirst; }, nullptr},
    {"Stats", "reads_one_database", "dbsyncd_reads_one_database_total", C,
     "Reads sent to one database (--read-from nearest or first).",
     [](const Server &s) -> Opt { return st(s).readsOneDatabase; }, nullptr},
    {"Stats", "reads_retried", "dbsyncd_reads_retried_total", C,
     "Reads sent again to another database after the first failed them.",
     [](const Server &s) -> Opt { return st(s).readsRetried; }, nullptr},
    {"Stats", "replies_divergent", "dbsyncd_commands_divergent_total", C,
     "Commands the databases answered differently (a sign that copies diverged).",
     [](const Server &s) -> Opt { return st(s).divergent; }, nullptr},

    {"Journal", "journal", nullptr, I, "", nullptr,
     [](const Server &s) { return std::string(s.journal() ? "on" : "off"); }},
    {"Journal", "journal_dir", nullptr, I, "", nullptr,
     [](const Server &s) { return journalText(s, [](const WriteJournal &j) { return j.storage().dir(); }); }},
    {"Journal", "journal_fsync", nullptr, I, "", nullptr,
     [](const Server &s) {
         return std::string(s.journal() ? journalFsyncName(s.options().journalFsync) : "none");
     }},
    {"Journal", "journal_instance", nullptr, I, "", nullptr,
     [](const Server &s) { return journalText(s, [](const WriteJournal &j) { return j.instance(); }); }},
    {"Journal", "journal_head_seq", "dbsyncd_journal_head_seq", G, "Sequence number of the last write journaled.",
     [](const Server &s) { return journalOnly(s, [](const WriteJournal &j) { return j.storage().head(); }); }, nullptr},
    {"Journal", "journal_first_seq", "dbsyncd_journal_first_seq", G,
     "Sequence number of the oldest write the journal still holds.",
     [](const Server &s) { return journalOnly(s, [](const WriteJournal &j) { return j.storage().firstSeq(); }); },
     nullptr},
    {"Journal", "journal_bytes", "dbsyncd_journal_bytes", G, "Bytes of journal segment files on disk.",
     [](const Server &s) { return journalOnly(s, [](const WriteJournal &j) { return j.storage().bytes(); }); }, nullptr},
    {"Journal", "journal_segments", "dbsyncd_journal_segments", G, "Journal segment files on disk.",
     [](const Server &s) {
         return journalOnly(s, [](const WriteJournal &j) -> uint64_t { return j.storage().segments(); });
     },
     nullptr},
    {"Journal", "journal_write_errors", "dbsyncd_journal_write_errors_total", C,
     "Journal writes that failed (disk full, I/O error, read-only).",
     [](const Server &s) { return journalOnly(s, [](const WriteJournal &j) { return j.storage().writeErrors(); }); },
     nullptr},
    {"Journal", "journal_writes_not_journaled", "dbsyncd_journal_writes_not_journaled_total", C,
     "Writes sent on per --ack although the journal could not keep them.",
     [](const Server &s) {
         return journalOnly(s, [](const WriteJournal &j) { return j.storage().recordsNotJournaled(); });
     },
     nullptr},
    {"Journal", "journal_fsyncs", "dbsyncd_journal_fsyncs_total", C, "Journal flushes to disk (fdatasync).",
     [](const Server &s) { return journalOnly(s, [](const WriteJournal &j) { return j.storage().fsyncs(); }); },
     nullptr},
    {"Journal", "journal_truncated_records", "dbsyncd_journal_truncated_records", G,
     "Records dropped at start from a torn or corrupt journal tail.",
     [](const Server &s) {
         return journalOnly(s, [](const WriteJournal &j) { return j.storage().truncatedRecords(); });
     },
     nullptr},

    {"Databases", "databases", "dbsyncd_databases", G, "Databases configured (-d).",
     [](const Server &s) -> Opt { return s.databases().size(); }, nullptr},
    {"Databases", "databases_connected", "dbsyncd_databases_connected", G, "Databases connected now.",
     [](const Server &s) -> Opt { return s.databasesUp(); }, nullptr},
};

using DK = DatabaseStatKind;

const DatabaseStat kDatabaseStats[] = {
    {nullptr, "dbsyncd_database_up", DK::Gauge, "1 if the connection to the database is up, 0 otherwise.",
     [](const DatabaseBackend &db) -> uint64_t { return db.state() == DatabaseBackend::State::Ready; }, nullptr},
    {"state", "dbsyncd_database_state", DK::State, "1 for the state the database connection is in.", nullptr,
     nullptr},
    {"pending", "dbsyncd_database_pending_commands", DK::Gauge,
     "Commands owed to the database: not yet written, or awaiting a reply.",
     [](const DatabaseBackend &db) -> uint64_t { return db.pending(); }, nullptr},
    {"ok", "dbsyncd_database_replies_total", DK::Counter, "Replies received from the database (error replies too).",
     [](const DatabaseBackend &db) { return db.replies; }, nullptr},
    {"failed", "dbsyncd_database_failures_total", DK::Counter,
     "Commands the database did not take or did not answer (down, timed out, overloaded).",
     [](const DatabaseBackend &db) { return db.failures; }, nullptr},
    {"unknown", "dbsyncd_database_outcome_unknown_total", DK::Counter,
     "Of those, commands written to the database whose reply was lost (timed out, connection dropped): "
     "they may have been applied.",
     [](const DatabaseBackend &db) { return db.outcomeUnknown; }, nullptr},
    {"reconnects", "dbsyncd_database_reconnects_total", DK::Counter,
     "Connections to the database re-established after a loss.",
     [](const DatabaseBackend &db) { return db.reconnects; }, nullptr},
    {"overflows", "dbsyncd_database_overflows_total", DK::Counter,
     "Commands failed fast because --db-max-pending commands were in flight.",
     [](const DatabaseBackend &db) { return db.overflows; }, nullptr},
    {nullptr, "dbsyncd_database_diverged", DK::Gauge,
     "1 if the database is diverged: out of service until resynced (docs/operations.md).",
     [](const DatabaseBackend &db) -> uint64_t { return db.diverged(); }, nullptr},
    {nullptr, "dbsyncd_database_catching_up", DK::Gauge, "1 while the journal replays what the database missed.",
     [](const DatabaseBackend &db) -> uint64_t { return std::strcmp(db.stateName(), "catching_up") == 0; },
     nullptr},
    {"applied_seq", "dbsyncd_database_applied_seq", DK::Gauge,
     "Sequence number of the last journaled write the database is known to have applied.",
     [](const DatabaseBackend &db) { return db.applied(); }, nullptr},
    {"behind_entries", "dbsyncd_database_behind_entries", DK::Gauge,
     "Journaled writes the database has not applied yet.",
     [](const DatabaseBackend &db) { return db.behindEntries(); }, nullptr},
    {"behind_bytes", "dbsyncd_database_behind_bytes", DK::Gauge, "Journal bytes the database has not applied yet.",
     [](const DatabaseBackend &db) { return db.behindBytes(); }, nullptr},
    {"behind_seconds", "dbsyncd_database_behind_seconds", DK::Gauge,
     "Age of the oldest journaled write the database has not applied.",
     [](const DatabaseBackend &db) { return db.behindSeconds(); }, nullptr},
    {"replayed", "dbsyncd_database_replayed_total", DK::Counter, "Journal records replayed to the database.",
     [](const DatabaseBackend &db) { return db.replayed; }, nullptr},
    {"latency_us", "dbsyncd_database_reply_seconds", DK::Latency,
     "Time from queueing a command for the database to its reply.", nullptr, nullptr},
    // Last on the INFO line: readers take everything after ",last_error=" as
    // the message, which may hold commas.
    {"last_error", nullptr, DK::InfoOnly, "", nullptr, [](const DatabaseBackend &db) { return db.lastError; }},
};

const char *const kStateNames[] = {"up", "connecting", "handshaking", "down", "catching_up", "diverged"};

}  // namespace

std::span<const ServerStat> serverStats() { return kServerStats; }
std::span<const DatabaseStat> databaseStats() { return kDatabaseStats; }
std::span<const char *const> databaseStateNames() { return kStateNames; }

}  // namespace dbsync
