#include "read_router.hpp"

#include "database_backend.hpp"
#include "event_loop.hpp"

namespace dbsync {

DatabaseBackend *ReadRouter::pick(bool cursor, const DatabaseBackend *exclude) {
    // Rules 1 and 2 (read_router.hpp): a Ready database that missed no
    // writes if there is one, else any Ready one.
    bool anyComplete = false;
    bool anyReady = false;
    for (const auto &db : databases_) {
        if (!db || db.get() == exclude || !db->serving() || db->stopping()) continue;
        anyReady = true;
        if (!db->missedWrites) anyComplete = true;
    }
    if (!anyReady) return nullptr;
    auto candidate = [&](const DatabaseBackend &db) {
        return &db != exclude && db.serving() && !db.stopping() &&
               (!anyComplete || !db.missedWrites);
    };
    if (cursor || mode_ != ReadFrom::Nearest) {
        for (const auto &db : databases_)
            if (db && candidate(*db)) return db.get();
        return nullptr;
    }
    uint64_t now = loop_.nowMs();
    DatabaseBackend *best = nullptr;
    for (const auto &db : databases_) {
        if (!db || !candidate(*db)) continue;
        if (now - db->latencySampledMs >= kLatencyProbeMs) {
            // Stamped now, so that only this read probes it.
            db->latencySampledMs = now;
            return db.get();
        }
        if (!best || db->latencyAverageUs < best->latencyAverageUs) best = db.get();
    }
    return best;
}

}  // namespace dbsync
