#include "resync_command.hpp"

#include <charconv>

#include "command_policy.hpp"
#include "log.hpp"
#include "resp_writer.hpp"
#include "server.hpp"

namespace dbsync {
namespace {

std::string error(const std::string &text) {
    std::string r;
    resp::appendError(r, "ERR " + text);
    return r;
}

}  // namespace

std::string resyncCommand(Server &server, const std::vector<std::string> &args) {
    if (args.size() != 2) return error("usage: DBSYNC RESYNC dbN BEGIN|END|ABORT");
    if (!server.journal()) return error("DBSYNC RESYNC needs a journal (--journal-dir)");
    const auto &dbs = server.databases();
    size_t n = dbs.size();
    const std::string &name = args[0];
    if (name.size() > 2 && name.compare(0, 2, "db") == 0) {
        auto [end, ec] = std::from_chars(name.data() + 2, name.data() + name.size(), n);
        if (ec != std::errc() || end != name.data() + name.size()) n = dbs.size();
    }
    if (n >= dbs.size()) return error("no database " + name + " (DBSYNC INFO lists them as db0, db1...)");
    DatabaseBackend &db = *dbs[n];
    const std::string &step = args[1];
    if (argEquals(step, "BEGIN")) {
        if (!db.diverged()) return error(name + " (" + db.name() + ") is not diverged: nothing to resync");
        if (db.resyncing()) return error(name + " is already being resynced");
        db.beginResync();
        LOG_NOTICE("database %s: resync begun; the journal keeps every write until it ends", db.name().c_str());
    } else if (argEquals(step, "END")) {
        if (!db.resyncing()) return error(name + " is not being resynced (DBSYNC RESYNC " + name + " BEGIN first)");
        db.endResync();
    } else if (argEquals(step, "ABORT")) {
        if (!db.resyncing()) return error(name + " is not being resynced");
        db.abortResync();
        LOG_WARN("database %s: resync aborted; it stays diverged", db.name().c_str());
    } else {
        return error("usage: DBSYNC RESYNC dbN BEGIN|END|ABORT");
    }
    return "+OK\r\n";
}

}  // namespace dbsync
