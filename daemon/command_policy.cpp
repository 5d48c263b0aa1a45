#include "command_policy.hpp"

#include <cstring>
#include <string>
#include <unordered_map>


namespace dbsync {
namespace {

const char kConnState[] = "it changes per-connection state, and dbsyncd shares its database connections";
const char kBlocking[] = "blocking commands would stall a shared database connection";
const char kStream[] = "it turns the connection into a stream, which a fan-out cannot merge";
const char kSelect[] = "choose the database per backend instead: -d redis://host:port/DB";
const char kAuth[] = "dbsyncd authenticates to its databases itself (-d redis://user:password@host:port); "
                     "clients are trusted through signing keys";

const std::unordered_map<std::string_view, CommandClass> &table() {
    static const std::unordered_map<std::string_view, CommandClass> t = {
        {"PING", {CommandKind::Ping}},
        {"QUIT", {CommandKind::Quit}},
        {"DBSYNC", {CommandKind::Dbsync}},
        {"MULTI", {CommandKind::Multi}},
        {"EXEC", {CommandKind::Exec}},
        {"DISCARD", {CommandKind::Discard}},
        {"SELECT", {CommandKind::Rejected, kSelect}},
        {"AUTH", {CommandKind::Rejected, kAuth}},
        {"HELLO", {CommandKind::Rejected, kConnState}},
        {"WATCH", {CommandKind::Rejected, kConnState}},
        {"UNWATCH", {CommandKind::Rejected, kConnState}},
        {"CLIENT", {CommandKind::Rejected, kConnState}},
        {"RESET", {CommandKind::Rejected, kConnState}},
        {"READONLY", {CommandKind::Rejected, kConnState}},
        {"READWRITE", {CommandKind::Rejected, kConnState}},
        {"SUBSCRIBE", {CommandKind::Rejected, kStream}},
        {"PSUBSCRIBE", {CommandKind::Rejected, kStream}},
        {"SSUBSCRIBE", {CommandKind::Rejected, kStream}},
        {"UNSUBSCRIBE", {CommandKind::Rejected, kStream}},
        {"PUNSUBSCRIBE", {CommandKind::Rejected, kStream}},
        {"SUNSUBSCRIBE", {CommandKind::Rejected, kStream}},
        {"MONITOR", {CommandKind::Rejected, kStream}},
        {"SYNC", {CommandKind::Rejected, kStream}},
        {"PSYNC", {CommandKind::Rejected, kStream}},
        {"REPLCONF", {CommandKind::Rejected, kStream}},
        {"BLPOP", {CommandKind::Blocking, kBlocking}},
        {"BRPOP", {CommandKind::Blocking, kBlocking}},
        {"BRPOPLPUSH", {CommandKind::Blocking, kBlocking}},
        {"BLMOVE", {CommandKind::Blocking, kBlocking}},
        {"BLMPOP", {CommandKind::Blocking, kBlocking}},
        {"BZPOPMIN", {CommandKind::Blocking, kBlocking}},
        {"BZPOPMAX", {CommandKind::Blocking, kBlocking}},
        {"BZMPOP", {CommandKind::Blocking, kBlocking}},
        {"WAIT", {CommandKind::Blocking, kBlocking}},
        {"WAITAOF", {CommandKind::Blocking, kBlocking}},
    };
    return t;
}

}  // namespace

bool argEquals(std::string_view arg, const char *upperWord) {
    size_t i = 0;
    for (; i < arg.size(); i++) {
        char c = arg[i];
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (upperWord[i] == '\0' || c != upperWord[i]) return false;
    }
    return upperWord[i] == '\0';
}

CommandClass classifyCommandName(std::string_view name) {
    std::string upper(name);
    for (char &c : upper)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (upper == "SCRIPT|KILL" || upper == "FUNCTION|KILL") return {CommandKind::Control};
    auto it = table().find(upper);
    return it != table().end() ? it->second : CommandClass{CommandKind::Forward};
}

CommandClass classifyCommand(const FramedRequest &req) {
    std::string_view name = req.args[0];
    // No command name we care about is longer than this.
    if (name.size() > 15) return {CommandKind::Forward};
    // Upper-cased on the stack: this runs for every request.
    char buf[16];
    for (size_t i = 0; i < name.size(); i++) {
        char c = name[i];
        buf[i] = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    }
    std::string_view upper(buf, name.size());
    // Traffic repeats a few commands: the last name forwarded for its name
    // alone is known without a lookup (the ones whose arguments matter, below,
    // never are).
    static char lastForward[16];
    static size_t lastForwardLen = 0;
    if (upper.size() == lastForwardLen && std::memcmp(buf, lastForward, lastForwardLen) == 0)
        return {CommandKind::Forward};
    auto it = table().find(upper);
    if (it != table().end()) return it->second;
    // The script to kill blocks the shared connection it runs on.
    if ((upper == "SCRIPT" || upper == "FUNCTION") && req.argc == 2 && argEquals(req.args[1], "KILL"))
        return {CommandKind::Control};
    if (upper == "XREAD" || upper == "XREADGROUP") {
        bool blocking = false;
        forEachArgument(req.resp, [&](std::string_view arg) {
            if (argEquals(arg, "BLOCK")) blocking = true;
            // Arguments after STREAMS are keys and ids, not options.
            return !blocking && !argEquals(arg, "STREAMS");
        });
        if (blocking) return {CommandKind::Blocking, kBlocking};
        return {CommandKind::Forward};
    }
    if (upper != "SCRIPT" && upper != "FUNCTION") {
        std::memcpy(lastForward, buf, upper.size());
        lastForwardLen = upper.size();
    }
    return {CommandKind::Forward};
}

}  // namespace dbsync
