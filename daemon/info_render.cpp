#include "info_render.hpp"

#include <cstring>

#include "database_backend.hpp"
#include "server.hpp"
#include "stats_table.hpp"

namespace dbsync {

namespace {

// One INFO value per line: a CR or LF inside one would split it.
std::string oneLine(std::string v) {
    for (char &c : v)
        if (c == '\r' || c == '\n') c = ' ';
    return v;
}

std::string databaseField(const DatabaseStat &f, const DatabaseBackend &db) {
    switch (f.kind) {
    case DatabaseStatKind::Counter:
    case DatabaseStatKind::Gauge: return std::to_string(f.value(db));
    case DatabaseStatKind::State: return db.stateName();
    case DatabaseStatKind::Latency:
        return std::to_string(db.latencyCount ? db.latencyTotalUs / db.latencyCount : 0);
    case DatabaseStatKind::InfoOnly: return oneLine(f.text(db));
    }
    return "";
}

}  // namespace

std::string renderInfo(const Server &server) {
    std::string s;
    const char *section = nullptr;
    auto enter = [&](const char *name) {
        if (section && std::strcmp(section, name) == 0) return;
        if (section) s += "\r\n";
        s += "# ";
        s += name;
        s += "\r\n";
        section = name;
    };
    auto line = [&s](const std::string &k, const std::string &v) { s += k + ":" + v + "\r\n"; };

    for (const ServerStat &row : serverStats()) {
        enter(row.section);
        if (!row.infoName) continue;  // a metric only
        if (row.kind == StatKind::InfoOnly) {
            line(row.infoName, oneLine(row.text(server)));
        } else if (std::optional<uint64_t> v = row.value(server)) {
            line(row.infoName, std::to_string(*v));
        }
    }

    enter("Databases");
    const auto &dbs = server.databases();
    for (size_t i = 0; i < dbs.size(); i++) {
        const DatabaseBackend &db = *dbs[i];
        // The address first: it names the database (check/dbsyncd_info.cpp reads it).
        std::string v = "address=" + db.name();
        for (const DatabaseStat &f : databaseStats()) {
            if (!f.infoName) continue;
            v += ',';
            v += f.infoName;
            v += '=';
            v += databaseField(f, db);
        }
        line("db" + std::to_string(i), v);
    }
    return s;
}

}  // namespace dbsync
