// Every number the daemon shows about itself, defined once. DBSYNC INFO
// (info_render.cpp) and the Prometheus endpoint (metrics_render.cpp) are
// both rendered from these two tables, so a counter is one line here and
// the two views can never disagree on its value or on whether it exists.
//
// Adding a process-wide counter: a field in stats.hpp, one row in
// kServerStats (stats_table.cpp). A per-database one: a field in
// DatabaseBackend, one row in kDatabaseStats. Then its line in docs/operations.md's
// metrics table (tests/e2e/test_info_metrics.py checks both).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace dbsync {

class DatabaseBackend;
class Server;

enum class StatKind {
    Counter,  // only goes up; its metric name ends in _total
    Gauge,    // a level now
    InfoOnly, // DBSYNC INFO only: a description, not a figure to graph (version, listen address...)
};

// One line of DBSYNC INFO and, unless InfoOnly, one metric family.
struct ServerStat {
    const char *section;     // the INFO section ("Clients", "TLS", ...), in order of first use
    const char *infoName;    // the INFO field; nullptr for a metric only (Prometheus' own conventions)
    const char *metricName;  // nullptr for InfoOnly
    StatKind kind;
    const char *help;        // the metric's HELP line
    // The number; nullopt when it does not apply to this configuration
    // (TLS figures without --pubkey): then neither view shows it.
    std::optional<uint64_t> (*value)(const Server &);
    std::string (*text)(const Server &);  // InfoOnly rows
};

// How a per-database field is shown.
enum class DatabaseStatKind {
    Counter,  // INFO "name=N", metric {database} sample
    Gauge,
    State,    // INFO "state=up"; metrics dbsyncd_database_up and a one-hot dbsyncd_database_state{state}
    Latency,  // INFO the mean in µs; metrics the reply-time histogram
    InfoOnly, // INFO only (last_error)
};

// One field of a DBSYNC INFO "dbN:" line and its metric family, labelled
// database="ADDRESS" (the line's address= field).
struct DatabaseStat {
    const char *infoName;    // nullptr for a metric only (dbsyncd_database_up, derived from the state)
    const char *metricName;  // nullptr for InfoOnly
    DatabaseStatKind kind;
    const char *help;
    uint64_t (*value)(const DatabaseBackend &);       // Counter and Gauge rows
    std::string (*text)(const DatabaseBackend &);     // InfoOnly rows
};

// Rows in DBSYNC INFO order.
std::span<const ServerStat> serverStats();
std::span<const DatabaseStat> databaseStats();

// The states dbsyncd_database_state has a sample for (DatabaseBackend::stateName).
std::span<const char *const> databaseStateNames();

}  // namespace dbsync
