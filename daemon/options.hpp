// dbsyncd's command line: every bound and timeout, with its default.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ack_policy.hpp"
#include "address.hpp"
#include "journal.hpp"

namespace dbsync {

// One database to keep in step, as given to -d.
struct DatabaseSpec {
    Address address;
    std::string user;      // AUTH user (Redis 6 ACL), may be empty
    std::string password;  // AUTH password; empty: no AUTH
    int db = -1;           // SELECT index; -1: leave the default
    std::string display() const { return address.display() + (db >= 0 ? "/" + std::to_string(db) : ""); }
};

// --read-from: where a read (command_table.hpp, isRead) goes.
enum class ReadFrom {
    Nearest,  // the Ready database with the lowest recent reply latency
    First,    // the first Ready database in -d order
    All,      // every database, like a write (the first reply answers)
};

struct Options {
    // The journal (docs/design.md, "The journal"): on with --journal-dir,
    // and by default under systemd ($STATE_DIRECTORY/journal).
    std::string journalDir;             // empty: no journal
    JournalFsync journalFsync = JournalFsync::Everysec;  // --journal-fsync
    uint64_t journalMaxBytes = uint64_t(1) << 30;  // --journal-max-bytes
    uint64_t journalMaxAgeS = 3600;     // --journal-max-age (seconds)
    size_t catchupInflight = 1000;      // --catchup-inflight

    Address listen;  // host "127.0.0.1" port 1111 by default
    std::vector<DatabaseSpec> databases;
    AckPolicy ack = AckPolicy::One;
    ReadFrom readFrom = ReadFrom::Nearest;
    bool commandTableFromDatabases = true;  // --command-table databases|builtin
    bool closeAfterReply = false;
    std::vector<std::string> pubkeys;  // -s: enables TLS with pinned client keys
    std::string tlsCert;               // --tls-cert: server certificate (PEM); empty: one for the key in stateDir
    std::string tlsKey;                // --tls-key: its private key
    uint64_t handshakeTimeoutMs = 5000;  // --handshake-timeout: TLS handshake deadline
    size_t maxHandshakes = 1024;         // --max-handshakes: TLS handshakes in progress
    size_t rejectLogRate = 10;           // --reject-log-rate: rejected-handshake log lines per second
    size_t divergenceLogRate = 10;       // --divergence-log-rate: divergent-write log lines per second
    std::string stateDir;  // --state-dir: kept state (the TLS server key); default $STATE_DIRECTORY or /var/lib/dbsyncd

    uint64_t dbTimeoutMs = 2000;
    uint64_t connectTimeoutMs = 1000;
    uint64_t reconnectMaxMs = 5000;
    size_t dbMaxPending = 10000;
    uint64_t dbBatchWaitMs = 1;
    size_t dbMaxReplyBytes = 0;  // --db-max-reply-bytes: 0, no bound (a Redis reply has none)
    size_t maxClients = 10000;
    size_t maxRequestBytes = 64u << 20;
    size_t maxRequestArgs = 2147483647;     // --max-request-args: Redis's own ceiling (INT_MAX)
    size_t maxBulkBytes = size_t(512) << 20;  // --max-bulk-bytes: Redis's proto-max-bulk-len default
    size_t maxInlineBytes = 64u << 10;      // --max-inline-bytes: Redis's PROTO_INLINE_MAX_SIZE
    uint64_t clientTimeoutMs = 10000;
    size_t clientMaxOutput = 64u << 20;
    size_t clientMaxInflight = 1024;
    size_t maxBufferMemory = size_t(1) << 30;  // --max-buffer-memory: all clients' buffers together
    uint64_t shutdownTimeoutMs = 5000;
    uint64_t busyPollUs = 0;      // --busy-poll
    bool metrics = false;         // --metrics given
    Address metricsListen;        // --metrics HOST:PORT: Prometheus GET /metrics
    size_t metricsMaxClients = 16;  // --metrics-max-clients
    int verbosity = 0;     // -v count
    std::string logLevel;  // --log-level, overrides -v
};

enum class ParseOutcome { Run, ExitOk, ExitUsage };

// Parses argv into opts. Prints --help/--version to stdout, and one line
// naming the flag and the problem to stderr for bad usage (exit status 2).
ParseOutcome parseOptions(int argc, char **argv, Options &opts);

// Parses one -d item: redis:HOST:PORT, redis:[v6]:PORT, redis:unix:/path,
// redis://[user:password@]host:port[/db], or bare HOST:PORT.
bool parseDatabase(const std::string &text, DatabaseSpec &out, std::string &error);

}  // namespace dbsync
