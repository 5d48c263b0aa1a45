// dbsync-check: compares the databases behind dbsyncd key by key and, with
// --repair, makes them identical without overwriting newer live writes.
// Wiring only: options (check_options), connections (db_link to the
// databases, dbsyncd_link to dbsyncd), the list from dbsyncd (dbsyncd_info), the comparison (compare_run), the repair
// (repair_run), the resync of a diverged database (resync_run) and the
// output (check_report).
#include <cstdio>
#include <memory>
#include <unistd.h>

#include "check_options.hpp"
#include "check_report.hpp"
#include "compare_run.hpp"
#include "dbsyncd_info.hpp"
#include "dbsyncd_link.hpp"
#include "key_fetch.hpp"
#include "pace.hpp"
#include "repair_run.hpp"
#include "resync_run.hpp"
#include "common/log.hpp"

using namespace dbsync;
using namespace dbsync::check;

namespace {

constexpr int kExitIdentical = 0, kExitDivergent = 1, kExitCannotCheck = 2;

int cannotCheck(const std::string &message) {
    std::fprintf(stderr, "dbsync-check: %s\n", message.c_str());
    return kExitCannotCheck;
}

// The database list of a running dbsyncd (DBSYNC INFO), merged with -d.
bool databasesFromDbsyncd(DbsyncdLink &daemon, CheckOptions &opts, std::string &error) {
    dbsync::Reply r = daemon.command({"DBSYNC", "INFO"});
    if (r.type != dbsync::Reply::Type::String) {
        error = "--from-dbsyncd " + opts.fromDbsyncd + ": DBSYNC INFO failed (is it dbsyncd?): " + r.str;
        return false;
    }
    std::vector<DatabaseSpec> listed;
    if (!parseDbsyncInfo(r.str, listed, error)) {
        error = "--from-dbsyncd " + opts.fromDbsyncd + ": " + error;
        return false;
    }
    opts.databases = mergeDatabaseLists(listed, opts.databases);
    return true;
}

}  // namespace

int main(int argc, char **argv) {
    CheckOptions opts;
    switch (parseCheckOptions(argc, argv, opts)) {
    case ParseResult::ExitOk: return kExitIdentical;
    case ParseResult::ExitUsage: return kExitCannotCheck;
    case ParseResult::Run: break;
    }
    // The client core logs to stderr for dbsyncd and PHP; here the one line
    // that ends a failed run says what went wrong.
    log::setLevel(log::Level::Warning);
    try {
        std::string error;
        std::unique_ptr<DbsyncdLink> daemon;
        if (!opts.fromDbsyncd.empty()) {
            daemon = std::make_unique<DbsyncdLink>(opts);
            if (!databasesFromDbsyncd(*daemon, opts, error)) return cannotCheck(error);
        }
        if (opts.resync >= 0) return resyncDatabase(opts, *daemon);
        if (opts.databases.size() < 2)
            return cannotCheck("--databases: need at least two databases to compare, got " +
                               std::to_string(opts.databases.size()));
        if (opts.source >= static_cast<int>(opts.databases.size()))
            return cannotCheck("--source: there is no db" + std::to_string(opts.source) + " (databases are db0 to db" +
                               std::to_string(opts.databases.size() - 1) + ")");

        CheckReport report;
        report.repair = opts.repair;
        report.dryRun = opts.dryRun;
        std::vector<std::unique_ptr<DbLink>> links;
        bool digest = true;
        uint64_t expected = 0;
        for (size_t i = 0; i < opts.databases.size(); i++) {
            links.push_back(std::make_unique<DbLink>("db" + std::to_string(i), opts.databases[i], opts.timeoutMs));
            report.databases.push_back(links.back()->label() + " " + opts.databases[i].display());
            digest = allowsDigest(*links.back()) && digest;
            check::Reply size = links.back()->command({"DBSIZE"});
            if (size->type == REDIS_REPLY_INTEGER) expected += static_cast<uint64_t>(size->integer);
        }
        // Digests only mean something when every database gives one.
        ValueMode mode = digest ? ValueMode::Digest : ValueMode::Dump;
        report.valueMode = digest ? "digest" : "dump";
        KeyFetcher fetcher(links, mode, opts.chunk);
        Pace pace(opts.rate, !opts.quiet && isatty(STDERR_FILENO), expected);
        compareDatabases(opts, links, fetcher, pace, report);
        pace.finish();
        if (opts.repair) repairDatabases(opts, links, fetcher, report);
        report.seconds = pace.seconds();

        if (opts.json) printJson(stdout, report);
        else printText(stdout, report);
        std::fflush(stdout);
        if (report.divergent.empty()) return kExitIdentical;
        if (opts.repair && !opts.dryRun && report.count("repaired") == report.divergent.size()) return kExitIdentical;
        return kExitDivergent;
    } catch (const LinkError &e) {
        return cannotCheck(e.what());
    } catch (const std::exception &e) {
        return cannotCheck(std::string("internal error: ") + e.what());
    }
}
