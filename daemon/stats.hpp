// Process-wide counters. Each is shown by DBSYNC INFO and /metrics through
// its one row in stats_table.cpp: a new field here needs a row there.
#pragma once

#include <cstdint>
#include <ctime>

namespace dbsync {

class LogLimiter;

struct Stats {
    // Where a write the databases answered differently is logged
    // (--divergence-log-rate); set by Server.
    LogLimiter *divergenceLog = nullptr;
    time_t startTime = 0;        // wall clock, for "process start time"
    uint64_t startMs = 0;        // monotonic, for uptime
    uint64_t forwarded = 0;      // commands sent on to the databases
    uint64_t failed = 0;         // commands whose ack policy could not be met
    uint64_t rejected = 0;       // commands a fan-out proxy cannot serve
    uint64_t rewritten = 0;      // sent in absolute form (command_rewrite.hpp)
    uint64_t leaderFirst = 0;    // run on one database first, then sent as their effect (leader_first.hpp)
    uint64_t divergent = 0;      // commands the databases answered differently
    uint64_t readsOneDatabase = 0;  // reads sent to one database (--read-from nearest|first)
    uint64_t readsRetried = 0;      // of which sent again to another after the first failed them
    uint64_t clientsConnected = 0;
    uint64_t clientsTotal = 0;
    uint64_t clientsRejected = 0;  // over --max-clients
    uint64_t protocolErrors = 0;
    uint64_t clientTimeouts = 0;
    uint64_t clientOverflows = 0;  // closed for not reading their replies
    uint64_t clientBufferEvictions = 0;  // closed over --max-buffer-memory
    // --pubkey (TLS with pinned client keys), see tls_gate.cpp
    uint64_t tlsHandshakesAccepted = 0;
    uint64_t tlsHandshakesRejected = 0;  // every reason, timeouts included
    uint64_t tlsHandshakeTimeouts = 0;   // of which: --handshake-timeout
    uint64_t tlsHandshakesRefused = 0;   // not started: over --max-handshakes
    uint64_t tlsKeyReloads = 0;          // SIGHUP reloads that took effect
    uint64_t tlsKeyReloadFailures = 0;   // SIGHUP reloads refused (old keys kept)
};

}  // namespace dbsync
