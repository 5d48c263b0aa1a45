#include "metrics_render.hpp"

#include <cstdio>
#include <cstring>

#include "database_backend.hpp"
#include "server.hpp"
#include "stats_table.hpp"
#include "version.hpp"

namespace dbsync {

namespace {

// Label values escape backslash, double quote and newline.
std::string labelValue(const std::string &v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

class Exposition {
public:
    void family(const char *name, const char *type, const char *help) {
        s_ += "# HELP ";
        s_ += name;
        s_ += ' ';
        s_ += help;
        s_ += "\n# TYPE ";
        s_ += name;
        s_ += ' ';
        s_ += type;
        s_ += '\n';
    }
    void sample(const std::string &name, const std::string &labels, uint64_t v) {
        line(name, labels);
        s_ += std::to_string(v);
        s_ += '\n';
    }
    void sampleDouble(const std::string &name, const std::string &labels, double v) {
        line(name, labels);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.9g", v);
        s_ += buf;
        s_ += '\n';
    }
    std::string take() { return std::move(s_); }

private:
    void line(const std::string &name, const std::string &labels) {
        s_ += name;
        if (!labels.empty()) {
            s_ += '{';
            s_ += labels;
            s_ += '}';
        }
        s_ += ' ';
    }
    std::string s_;
};

const char *typeName(StatKind kind) { return kind == StatKind::Counter ? "counter" : "gauge"; }

// The histogram's buckets are cumulative, as Prometheus wants them.
void latencyHistogram(Exposition &e, const char *name, const std::string &label, const DatabaseBackend &db) {
    const std::string bucket = std::string(name) + "_bucket";
    uint64_t cumulative = 0;
    for (size_t b = 0; b < DatabaseBackend::kLatencyBuckets; b++) {
        cumulative += db.latencyBucket[b];
        char le[32];
        std::snprintf(le, sizeof le, "%g", static_cast<double>(DatabaseBackend::kLatencyBucketsUs[b]) / 1e6);
        e.sample(bucket, label + ",le=\"" + le + "\"", cumulative);
    }
    cumulative += db.latencyBucket[DatabaseBackend::kLatencyBuckets];
    e.sample(bucket, label + ",le=\"+Inf\"", cumulative);
    e.sampleDouble(std::string(name) + "_sum", label, static_cast<double>(db.latencyTotalUs) / 1e6);
    e.sample(std::string(name) + "_count", label, db.latencyCount);
}

void databaseFamily(Exposition &e, const DatabaseStat &f, const std::vector<std::unique_ptr<DatabaseBackend>> &dbs) {
    auto label = [](const DatabaseBackend &db) { return "database=\"" + labelValue(db.name()) + "\""; };
    switch (f.kind) {
    case DatabaseStatKind::Counter:
    case DatabaseStatKind::Gauge:
        e.family(f.metricName, f.kind == DatabaseStatKind::Counter ? "counter" : "gauge", f.help);
        for (const auto &db : dbs) e.sample(f.metricName, label(*db), f.value(*db));
        return;
    case DatabaseStatKind::State:
        e.family(f.metricName, "gauge", f.help);
        for (const auto &db : dbs)
            for (const char *state : databaseStateNames())
                e.sample(f.metricName, label(*db) + ",state=\"" + state + "\"",
                         std::strcmp(db->stateName(), state) == 0);
        return;
    case DatabaseStatKind::Latency:
        e.family(f.metricName, "histogram", f.help);
        for (const auto &db : dbs) latencyHistogram(e, f.metricName, label(*db), *db);
        return;
    case DatabaseStatKind::InfoOnly: return;
    }
}

}  // namespace

std::string renderMetrics(const Server &server) {
    Exposition e;
    // A label, not a value: the one row that is not in the tables.
    e.family("dbsyncd_build_info", "gauge", "Always 1; the version label names the running build.");
    e.sample("dbsyncd_build_info", "version=\"" + labelValue(DBSYNC_VERSION_STRING) + "\"", 1);

    for (const ServerStat &row : serverStats()) {
        if (row.kind == StatKind::InfoOnly) continue;
        std::optional<uint64_t> v = row.value(server);
        if (!v) continue;  // does not apply to this configuration
        e.family(row.metricName, typeName(row.kind), row.help);
        e.sample(row.metricName, "", *v);
    }
    for (const DatabaseStat &f : databaseStats()) databaseFamily(e, f, server.databases());
    return e.take();
}

}  // namespace dbsync
