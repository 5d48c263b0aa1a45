#include "command_table_live.hpp"

#include <map>

#include "client/reply_decoder.hpp"

namespace dbsync {
namespace {

// One COMMAND entry: name, arity, flags, first key, last key, step, and
// (Redis 7) ACL categories, tips, key specs, subcommands.
bool addEntry(const Reply &e, CommandTable &out, std::string &error, int depth) {
    if (e.type != Reply::Type::Array || e.elements.size() < 6 || e.elements[0].type != Reply::Type::String ||
        e.elements[1].type != Reply::Type::Integer || e.elements[2].type != Reply::Type::Array) {
        error = "not a COMMAND entry";
        return false;
    }
    CommandSpec spec;
    spec.name = e.elements[0].str;
    spec.arity = static_cast<int>(e.elements[1].integer);
    for (const Reply &flag : e.elements[2].elements)
        if (flag.type == Reply::Type::Status || flag.type == Reply::Type::String)
            spec.flags |= commandFlagFromName(flag.str);
    for (int i = 3; i < 6; i++) {
        if (e.elements[i].type != Reply::Type::Integer) {
            error = "a COMMAND entry's key positions are not numbers";
            return false;
        }
    }
    spec.firstKey = static_cast<int>(e.elements[3].integer);
    spec.lastKey = static_cast<int>(e.elements[4].integer);
    spec.keyStep = static_cast<int>(e.elements[5].integer);
    out.add(std::move(spec));
    if (e.elements.size() >= 10 && e.elements[9].type == Reply::Type::Array && depth == 0)
        for (const Reply &sub : e.elements[9].elements)
            if (!addEntry(sub, out, error, depth + 1)) return false;
    return true;
}

}  // namespace

bool commandTableFromReply(std::string_view bytes, CommandTable &out, std::string &error) {
    Reply reply;
    // A COMMAND entry nests four levels deep (key specs); no deeper reply is one.
    if (!decodeReply(bytes, reply, error, 16)) return false;
    if (reply.type != Reply::Type::Array || reply.elements.empty()) {
        error = !reply.isError() ? "not a COMMAND reply" : reply.str.empty() ? "an empty error reply" : reply.str;
        return false;
    }
    for (const Reply &e : reply.elements)
        if (!addEntry(e, out, error, 0)) return false;
    return true;
}

CommandTable mergeCommandTables(const std::vector<const CommandTable *> &tables) {
    if (tables.size() == 1) return *tables[0];
    // By name, in a fixed order, so the result does not depend on hashing.
    std::map<std::string, std::vector<const CommandSpec *>> byName;
    for (const CommandTable *t : tables) t->forEach([&](const CommandSpec &s) { byName[s.name].push_back(&s); });
    CommandTable merged;
    for (auto &[name, specs] : byName) {
        CommandSpec m = *specs.front();
        bool everywhere = specs.size() == tables.size();
        bool readonly = everywhere;
        for (const CommandSpec *s : specs) {
            m.flags |= s->flags;
            readonly = readonly && s->has(kCmdReadonly) && !s->has(kCmdWrite);
        }
        if (!readonly) {
            m.flags &= ~static_cast<uint32_t>(kCmdReadonly);
            // Some database would take it as a write, or does not know it:
            // it goes to every database.
            if (!everywhere) m.flags |= kCmdWrite;
        }
        m.hasSubcommands = false;  // add() marks containers again
        merged.add(std::move(m));
    }
    return merged;
}

}  // namespace dbsync
