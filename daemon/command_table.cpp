#include "command_table.hpp"

#include "command_policy.hpp"

namespace dbsync {
namespace {

struct FlagName {
    const char *word;
    CommandFlag flag;
};

// COMMAND's flag words (Redis 7.0).
constexpr FlagName kFlagNames[] = {
    {"write", kCmdWrite},
    {"readonly", kCmdReadonly},
    {"denyoom", kCmdDenyoom},
    {"module", kCmdModule},
    {"admin", kCmdAdmin},
    {"pubsub", kCmdPubsub},
    {"noscript", kCmdNoscript},
    {"blocking", kCmdBlocking},
    {"loading", kCmdLoading},
    {"stale", kCmdStale},
    {"skip_monitor", kCmdSkipMonitor},
    {"skip_slowlog", kCmdSkipSlowlog},
    {"asking", kCmdAsking},
    {"fast", kCmdFast},
    {"no_auth", kCmdNoAuth},
    {"may_replicate", kCmdMayReplicate},
    {"sentinel", kCmdSentinel},
    {"only_sentinel", kCmdOnlySentinel},
    {"no_mandatory_keys", kCmdNoMandatoryKeys},
    {"no_async_loading", kCmdNoAsyncLoading},
    {"no_multi", kCmdNoMulti},
    {"movablekeys", kCmdMovableKeys},
    {"allow_busy", kCmdAllowBusy},
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char &c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

// Redis formats arguments into its errors with printf's %s: text stops at
// the first NUL byte.
std::string_view asCString(std::string_view s) { return s.substr(0, s.find('\0')); }

// Redis turns CR and LF in an error into blanks, so that user input cannot
// end the error line early.
std::string oneLine(std::string s) {
    for (char &c : s)
        if (c == '\r' || c == '\n') c = ' ';
    return s;
}

// Redis's text for a command it does not know: the name and the start of
// the arguments, 128 characters of each at most.
std::string unknownCommand(const FramedRequest &req) {
    constexpr size_t kShown = 128;
    std::string args;
    bool first = true;
    forEachArgument(req.resp, [&](std::string_view arg) {
        if (first) {
            first = false;  // the command name
            return true;
        }
        if (args.size() >= kShown) return false;
        size_t room = kShown - args.size();
        args += '\'';
        args += asCString(arg).substr(0, room);
        args += "' ";
        return true;
    });
    std::string name(asCString(req.args[0]).substr(0, kShown));
    return oneLine("ERR unknown command '" + name + "', with args beginning with: " + args);
}

}  // namespace

uint32_t commandFlagFromName(std::string_view word) {
    for (const auto &f : kFlagNames)
        if (word == f.word) return f.flag;
    return 0;
}

const CommandTable &CommandTable::builtin() {
    static const CommandTable table = [] {
        CommandTable t;
        for (const CommandRow &row : redis70CommandRows()) t.add(row);
        return t;
    }();
    return table;
}

void CommandTable::add(CommandSpec spec) {
    spec.name = lower(spec.name);
    size_t bar = spec.name.find('|');
    if (bar != std::string::npos) {
        // A subcommand whose container is not (yet) known still makes the
        // container one: Redis never looks such a name up on its own.
        CommandSpec &container = specs_[spec.name.substr(0, bar)];
        if (container.name.empty()) container.name = spec.name.substr(0, bar);
        container.hasSubcommands = true;
    }
    CommandSpec &slot = specs_[spec.name];
    bool hadSubcommands = slot.hasSubcommands;
    slot = std::move(spec);
    slot.hasSubcommands = slot.hasSubcommands || hadSubcommands;
}

void CommandTable::add(const CommandRow &row) {
    CommandSpec spec;
    spec.name = row.name;
    spec.arity = row.arity;
    std::string_view words = row.flags;
    while (!words.empty()) {
        size_t blank = words.find(' ');
        spec.flags |= commandFlagFromName(words.substr(0, blank));
        words = blank == std::string_view::npos ? std::string_view() : words.substr(blank + 1);
    }
    spec.firstKey = row.firstKey;
    spec.lastKey = row.lastKey;
    spec.keyStep = row.keyStep;
    add(std::move(spec));
}

const CommandSpec *CommandTable::find(std::string_view fullName) const {
    auto it = specs_.find(lower(fullName));
    return it == specs_.end() ? nullptr : &it->second;
}

namespace {

// `arg` is `lowerName` in any case.
bool sameName(std::string_view arg, const std::string &lowerName) {
    if (arg.size() != lowerName.size()) return false;
    for (size_t i = 0; i < arg.size(); i++) {
        char c = arg[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != lowerName[i]) return false;
    }
    return true;
}

}  // namespace

const CommandSpec *CommandTable::lookup(const FramedRequest &req) const {
    if (last_ && !last_->hasSubcommands && sameName(req.args[0], last_->name)) return last_;
    std::string name = lower(req.args[0]);
    auto it = specs_.find(name);
    if (it == specs_.end()) return nullptr;
    if (!it->second.hasSubcommands) last_ = &it->second;
    if (!it->second.hasSubcommands || req.argc < 2) return &it->second;
    name += '|';
    name += lower(req.args[1]);
    auto sub = specs_.find(name);
    return sub == specs_.end() ? nullptr : &sub->second;
}

bool isRead(const CommandSpec *spec) {
    if (!spec || !spec->has(kCmdReadonly) || spec->has(kCmdWrite)) return false;
    return spec->name != "pfcount";
}

bool isReadOnlyScript(const FramedRequest &req) {
    if (req.argc < 3 || req.args[0].size() != 4 || !argEquals(req.args[0], "EVAL")) return false;
    std::string_view script = req.args[1];
    if (script.substr(0, 2) != "#!") return false;
    std::string_view line = script.substr(0, script.find('\n'));
    // "#!<engine> [flags=<flag>[,<flag>...]]", words apart by spaces.
    size_t at = 0;
    while (at < line.size()) {
        size_t end = line.find(' ', at);
        if (end == std::string_view::npos) end = line.size();
        std::string_view word = line.substr(at, end - at);
        if (word.substr(0, 6) == "flags=") {
            std::string_view flags = word.substr(6);
            size_t f = 0;
            while (f <= flags.size()) {
                size_t comma = flags.find(',', f);
                if (comma == std::string_view::npos) comma = flags.size();
                if (flags.substr(f, comma - f) == "no-writes") return true;
                f = comma + 1;
            }
        }
        at = end + 1;
    }
    return false;
}

bool isCursorRead(const CommandSpec *spec) {
    if (!isRead(spec)) return false;
    const std::string &n = spec->name;
    return n == "scan" || n == "sscan" || n == "hscan" || n == "zscan";
}

std::string CommandTable::check(const FramedRequest &req, const CommandSpec **found) const {
    if (found) *found = nullptr;
    // Redis's lookup: the name, then for a command with subcommands and at
    // least one more argument, "name|sub". CONFIG alone is CONFIG (and its
    // arity -2 refuses it); CONFIG NOPE is an unknown subcommand.
    std::string name = lower(req.args[0]);
    auto it = specs_.find(name);
    if (it == specs_.end()) return unknownCommand(req);
    const CommandSpec *spec = &it->second;
    if (spec->hasSubcommands && req.argc >= 2) {
        auto sub = specs_.find(name + "|" + lower(req.args[1]));
        if (sub == specs_.end()) {
            return oneLine("ERR unknown subcommand '" + std::string(asCString(req.args[1]).substr(0, 128)) +
                           "'. Try " + upper(req.args[0]) + " HELP.");
        }
        spec = &sub->second;
    }
    if (found) *found = spec;
    if (!spec->acceptsArgc(req.argc)) return "ERR wrong number of arguments for '" + spec->name + "' command";
    return "";
}

}  // namespace dbsync
