#include "command_report.hpp"

#include <string_view>
#include <utility>

#include "command_policy.hpp"
#include "command_table.hpp"
#include "resp_writer.hpp"

namespace dbsync {
namespace {

std::string readDestination(const CommandSpec *spec, ReadFrom mode) {
    if (mode == ReadFrom::All) return "every database, the first reply answers (--read-from all)";
    if (isCursorRead(spec)) return "one database: always the first up in -d order, so a cursor stays on one database";
    if (mode == ReadFrom::First) return "one database: the first up in -d order (--read-from first)";
    return "one database: the one up with the lowest recent latency (--read-from nearest)";
}

// Writes handled in a way of their own (docs/dbsyncd.md, "Commands").
constexpr std::pair<std::string_view, std::string_view> kWritesOfTheirOwn[] = {
    {"spop", "write, leader-first (runs on the first database up; the others get SREM of the members it popped)"},
    {"xadd", "write (every database); with the ID * leader-first (runs on the first database up; the others get "
             "XADD with the ID it chose)"},
    {"xreadgroup", "write, leader-first unless NOACK reads only new entries (runs on the first database up; the "
                   "others get the same read, every database one delivery time)"},
    {"xautoclaim", "write, leader-first (runs on the first database up; the others get XCLAIM of what it claimed, "
                   "every database one delivery time)"},
    {"eval", "write (every database); a read when its script declares flags=no-writes"},
    {"pfcount", "write (flagged readonly, but it caches the cardinality inside the value: every database)"},
};

}  // namespace

std::string describeCommandRouting(std::string_view name, ReadFrom mode, const CommandTable &table,
                                   const char *source) {
    std::string lowerName(name);
    for (char &c : lowerName)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    std::string line = lowerName + ": ";
    CommandClass cls = classifyCommandName(lowerName);
    switch (cls.kind) {
    case CommandKind::Rejected: return line + "refused (" + cls.why + ")";
    case CommandKind::Blocking: return line + "refused outside MULTI (" + cls.why + "); queued inside MULTI";
    case CommandKind::Ping:
    case CommandKind::Quit:
    case CommandKind::Dbsync: return line + "answered by dbsyncd";
    case CommandKind::Multi:
    case CommandKind::Exec:
    case CommandKind::Discard:
        return line + "answered by dbsyncd; the transaction goes to every database on EXEC";
    case CommandKind::Control: return line + "write (every database, each on a connection of its own)";
    case CommandKind::Forward: break;
    }
    const CommandSpec *spec = table.find(lowerName);
    if (!spec) return line + "write (unknown to " + source + ": treated as a write)";
    if (isRead(spec)) {
        line += "read (" + readDestination(spec, mode) + ")";
        if (lowerName == "xread") line += "; with BLOCK refused (blocking commands would stall a shared database connection)";
        return line;
    }
    if (spec->hasSubcommands && spec->flags == 0)
        return line + "write (has subcommands, each classified on its own: ask for " + lowerName + "|SUB)";
    for (const auto &[command, how] : kWritesOfTheirOwn)
        if (lowerName == command) return line.append(how);
    if (spec->has(kCmdWrite)) return line + "write (every database, acknowledged per --ack)";
    return line + "write (not flagged readonly: every database, acknowledged per --ack)";
}

std::string commandRoutingReply(const FramedRequest &req, ReadFrom mode, const CommandTable &table,
                                const char *source) {
    std::string r;
    if (req.argc < 3) {
        resp::appendError(r, "ERR DBSYNC COMMANDS needs one or more command names (e.g. DBSYNC COMMANDS get set config|get)");
        return r;
    }
    resp::appendArrayHeader(r, static_cast<long long>(req.argc - 2));
    size_t i = 0;
    forEachArgument(req.resp, [&](std::string_view arg) {
        if (i++ >= 2) resp::appendBulk(r, describeCommandRouting(arg, mode, table, source));
        return true;
    });
    return r;
}

}  // namespace dbsync
