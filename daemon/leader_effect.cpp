#include "leader_effect.hpp"

#include <algorithm>

#include "command_policy.hpp"
#include "reply_framer.hpp"
#include "resp_writer.hpp"

namespace dbsync {
namespace {

// The payload of a bulk reply ("$3\r\nabc\r\n"), which the framer has
// checked is well formed.
std::string_view bulkPayload(std::string_view bulk) {
    size_t eol = bulk.find("\r\n");
    return bulk.substr(eol + 2, bulk.size() - eol - 4);
}

// The reply `reply` starts with, framed; false when it is cut short.
bool frameOne(std::string_view reply, FramedReply &out) {
    ReplyFramer framer;
    return framer.next(reply, out) == ReplyFramer::Result::Reply;
}

// The elements of an array reply the framer has checked, each framed in
// turn; empty for any other reply.
std::vector<FramedReply> elementsOf(const FramedReply &array) {
    std::vector<FramedReply> out;
    if (array.kind != ReplyKind::Array) return out;
    size_t off = array.bytes.find("\r\n") + 2;
    while (off < array.bytes.size()) {
        FramedReply element;
        ReplyFramer framer;
        if (framer.next(array.bytes.substr(off), element) != ReplyFramer::Result::Reply) return {};
        out.push_back(element);
        off += element.bytes.size();
    }
    return out;
}

LeaderEffect spopEffect(const std::vector<std::string> &args, std::string_view reply) {
    std::vector<std::string_view> srem{"SREM", args[1]};
    FramedReply top;
    if (!frameOne(reply, top)) return {};
    if (top.kind == ReplyKind::Bulk) {
        srem.push_back(bulkPayload(top.bytes));
    } else if (top.kind == ReplyKind::Array) {
        // SPOP key count: an array of bulk members.
        for (const FramedReply &member : elementsOf(top)) {
            if (member.kind != ReplyKind::Bulk) return {};
            srem.push_back(bulkPayload(member.bytes));
        }
    }
    if (srem.size() == 2) return {};  // nothing popped: no key, or count 0
    LeaderEffect e;
    resp::appendCommand(e.resp, srem);
    e.plain = true;  // removing members already gone changes nothing
    return e;
}

// "ms-seq" as XADD answers it: anything else (which Redis never sends)
// would let each database pick again.
bool isEntryId(std::string_view id) {
    size_t dash = id.find('-');
    if (dash == 0 || dash == std::string_view::npos || dash + 1 == id.size()) return false;
    for (size_t i = 0; i < id.size(); i++)
        if (i != dash && (id[i] < '0' || id[i] > '9')) return false;
    return true;
}

LeaderEffect xaddEffect(const std::vector<std::string> &args, std::string_view reply) {
    FramedReply id;
    // NOMKSTREAM on a missing key answers nil: nothing was added.
    if (!frameOne(reply, id) || id.kind != ReplyKind::Bulk) return {};
    std::vector<std::string_view> views(args.begin(), args.end());
    size_t at = xaddIdIndex(views);
    if (at == 0 || !isEntryId(bulkPayload(id.bytes))) return {};
    views[at] = bulkPayload(id.bytes);
    LeaderEffect e;
    resp::appendCommand(e.resp, views);
    // A second XADD of the same ID is refused: it goes with its marker.
    e.plain = false;
    return e;
}

// XREADGROUP's arguments, parsed as Redis does: GROUP g c and the options
// in any order, then STREAMS and as many IDs as keys.
struct GroupRead {
    size_t group = 0;    // index of the group's name (the consumer's next); 0: malformed
    size_t streams = 0;  // index of the first key
    size_t keys = 0;
    bool noack = false;
};

GroupRead parseGroupRead(const std::vector<std::string_view> &args) {
    GroupRead g;
    size_t i = 1;
    for (; i < args.size(); i++) {
        std::string_view a = args[i];
        bool more = i + 1 < args.size();
        if (argEquals(a, "GROUP") && i + 2 < args.size()) {
            g.group = i + 1;
            i += 2;
        } else if ((argEquals(a, "COUNT") || argEquals(a, "BLOCK")) && more) {
            i++;
        } else if (argEquals(a, "NOACK")) {
            g.noack = true;
        } else if (argEquals(a, "STREAMS") && more) {
            size_t n = args.size() - i - 1;
            if (n % 2) return {};
            g.streams = i + 1;
            g.keys = n / 2;
            return g.group ? g : GroupRead{};
        } else {
            return {};
        }
    }
    return {};
}

std::vector<std::string_view> viewsOf(const std::vector<std::string> &args) {
    return std::vector<std::string_view>(args.begin(), args.end());
}

// XCLAIM key group consumer 0 ids... TIME <timeMs> [JUSTID].
std::string xclaimAt(std::string_view key, std::string_view group, std::string_view consumer,
                     const std::vector<std::string_view> &ids, int64_t timeMs, bool justId) {
    std::string time = std::to_string(timeMs);
    std::vector<std::string_view> claim{"XCLAIM", key, group, consumer, "0"};
    claim.insert(claim.end(), ids.begin(), ids.end());
    claim.push_back("TIME");
    claim.push_back(time);
    if (justId) claim.push_back("JUSTID");
    std::string out;
    resp::appendCommand(out, claim);
    return out;
}

// The ID of an entry as a reply gives it: [id, fields] or, with JUSTID, id.
std::string_view entryId(const FramedReply &entry) {
    if (entry.kind == ReplyKind::Bulk) return bulkPayload(entry.bytes);
    std::vector<FramedReply> parts = elementsOf(entry);
    if (parts.empty() || parts[0].kind != ReplyKind::Bulk) return {};
    return bulkPayload(parts[0].bytes);
}

LeaderEffect xreadgroupEffect(const std::vector<std::string> &args, std::string_view reply, int64_t timeMs) {
    std::vector<std::string_view> views = viewsOf(args);
    GroupRead g = parseGroupRead(views);
    FramedReply top;
    if (g.group == 0 || !frameOne(reply, top)) return {};
    // Even when it delivered nothing, it may have made the consumer.
    LeaderEffect e;
    e.resp.reserve(args.size() * 16);
    resp::appendCommand(e.resp, views);
    e.plain = false;  // a second read delivers the next entries
    for (const FramedReply &stream : elementsOf(top)) {
        std::vector<FramedReply> parts = elementsOf(stream);
        if (parts.size() != 2 || parts[0].kind != ReplyKind::Bulk) continue;
        // Only a stream the command named: whatever a reply says, no other
        // key is touched.
        std::string_view key = bulkPayload(parts[0].bytes);
        auto firstKey = views.begin() + static_cast<std::ptrdiff_t>(g.streams);
        auto lastKey = firstKey + static_cast<std::ptrdiff_t>(g.keys);
        if (std::find(firstKey, lastKey, key) == lastKey) continue;
        // Every entry given with its fields was delivered now, new or read
        // again from the history (which counts one more delivery); one
        // listed with nil fields is gone from the stream and was left
        // alone. An entry not pending (NOACK) is left alone by the XCLAIM.
        std::vector<std::string_view> ids;
        for (const FramedReply &entry : elementsOf(parts[1])) {
            std::vector<FramedReply> idAndFields = elementsOf(entry);
            if (idAndFields.size() == 2 && idAndFields[0].kind == ReplyKind::Bulk &&
                idAndFields[1].kind == ReplyKind::Array)
                ids.push_back(bulkPayload(idAndFields[0].bytes));
        }
        if (!ids.empty())
            e.fixup.push_back(xclaimAt(key, views[g.group], views[g.group + 1], ids, timeMs, true));
    }
    return e;
}

LeaderEffect xautoclaimEffect(const std::vector<std::string> &args, std::string_view reply, int64_t timeMs) {
    FramedReply top;
    if (!frameOne(reply, top)) return {};
    std::vector<FramedReply> parts = elementsOf(top);
    if (parts.size() < 2) return {};
    bool justId = false;
    for (size_t i = 6; i < args.size(); i++)
        if (argEquals(args[i], "JUSTID")) justId = true;
    std::vector<std::string_view> claimed, ids;
    for (const FramedReply &entry : elementsOf(parts[1]))
        if (std::string_view id = entryId(entry); !id.empty()) claimed.push_back(id);
    ids = claimed;
    // Redis 7 lists the entries it dropped from the pending list because
    // they are gone from the stream: XCLAIM drops them too.
    if (parts.size() > 2)
        for (const FramedReply &gone : elementsOf(parts[2]))
            if (gone.kind == ReplyKind::Bulk) ids.push_back(bulkPayload(gone.bytes));
    // Nothing claimed: an ID no stream holds still makes the consumer
    // where the Redis version at hand makes it for XAUTOCLAIM too (7.0 only
    // for a claim, later ones always).
    if (ids.empty()) ids.push_back("0-0");
    LeaderEffect e;
    e.resp = xclaimAt(args[1], args[2], args[3], ids, timeMs, justId);
    e.plain = false;  // without JUSTID, each claim counts a delivery
    if (!claimed.empty()) e.fixup.push_back(xclaimAt(args[1], args[2], args[3], claimed, timeMs, true));
    return e;
}

}  // namespace

size_t xaddIdIndex(const std::vector<std::string_view> &args) {
    size_t i = 2;
    while (i < args.size()) {
        std::string_view a = args[i];
        if (argEquals(a, "NOMKSTREAM")) {
            i++;
        } else if (argEquals(a, "MAXLEN") || argEquals(a, "MINID")) {
            i++;
            if (i < args.size() && (args[i] == "=" || args[i] == "~")) i++;
            i++;  // the threshold
        } else if (argEquals(a, "LIMIT")) {
            i += 2;
        } else {
            return i;
        }
    }
    return 0;
}

LeaderCommand leaderFirstCommand(const FramedRequest &req) {
    std::string_view name = req.args[0];
    if (req.argc < 2) return LeaderCommand::None;
    if (name.size() == 4) {
        if (argEquals(name, "SPOP")) return req.argc <= 3 ? LeaderCommand::Spop : LeaderCommand::None;
        if (!argEquals(name, "XADD") || req.argc < 5) return LeaderCommand::None;
    } else if (name.size() == 10) {
        if (argEquals(name, "XAUTOCLAIM")) return req.argc >= 6 ? LeaderCommand::XautoClaim : LeaderCommand::None;
        if (!argEquals(name, "XREADGROUP") || req.argc < 7) return LeaderCommand::None;
    } else {
        return LeaderCommand::None;
    }
    std::vector<std::string_view> args;
    args.reserve(req.argc);
    forEachArgument(req.resp, [&](std::string_view a) {
        args.push_back(a);
        return true;
    });
    if (name.size() == 4) {
        size_t at = xaddIdIndex(args);
        return at != 0 && args[at] == "*" ? LeaderCommand::XaddAutoId : LeaderCommand::None;
    }
    // Reading the history counts a delivery too: only NOACK reads of new
    // entries alone record none.
    GroupRead g = parseGroupRead(args);
    if (g.group == 0 || g.keys == 0) return LeaderCommand::None;
    bool history = false;
    for (size_t k = 0; k < g.keys; k++) history = history || args[g.streams + g.keys + k] != ">";
    if (g.noack && !history) return LeaderCommand::None;
    return LeaderCommand::XreadGroup;
}

const char *leaderCommandName(LeaderCommand which) {
    switch (which) {
    case LeaderCommand::Spop: return "SPOP";
    case LeaderCommand::XaddAutoId: return "XADD";
    case LeaderCommand::XreadGroup: return "XREADGROUP";
    case LeaderCommand::XautoClaim: return "XAUTOCLAIM";
    case LeaderCommand::Transaction: return "EXEC";
    case LeaderCommand::None: break;
    }
    return "?";
}

std::string_view leaderCommandKey(LeaderCommand which, const std::vector<std::string> &args) {
    if (which == LeaderCommand::XreadGroup) {
        GroupRead g = parseGroupRead(viewsOf(args));
        return g.streams ? std::string_view(args[g.streams]) : std::string_view();
    }
    return args.size() > 1 ? std::string_view(args[1]) : std::string_view();
}

LeaderEffect leaderEffect(LeaderCommand which, const std::vector<std::string> &args, std::string_view reply,
                          int64_t timeMs) {
    switch (which) {
    case LeaderCommand::Spop: return spopEffect(args, reply);
    case LeaderCommand::XaddAutoId: return xaddEffect(args, reply);
    case LeaderCommand::XreadGroup: return xreadgroupEffect(args, reply, timeMs);
    case LeaderCommand::XautoClaim: return xautoclaimEffect(args, reply, timeMs);
    case LeaderCommand::Transaction:
    case LeaderCommand::None: break;
    }
    return {};
}

LeaderEffect transactionEffect(const std::vector<std::string> &commands, std::string_view execReply, int64_t timeMs) {
    LeaderEffect e;
    FramedReply top;
    std::vector<FramedReply> replies;
    if (frameOne(execReply, top)) replies = elementsOf(top);
    bool answered = replies.size() == commands.size();
    for (size_t i = 0; i < commands.size(); i++) {
        RequestFramer framer;
        FramedRequest req;
        LeaderCommand which = LeaderCommand::None;
        if (answered && framer.next(commands[i], req) == RequestFramer::Result::Request)
            which = leaderFirstCommand(req);
        if (which == LeaderCommand::None) {
            e.inner.push_back(commands[i]);
            continue;
        }
        if (replies[i].isError()) continue;
        std::vector<std::string> args;
        forEachArgument(req.resp, [&](std::string_view a) {
            args.emplace_back(a);
            return true;
        });
        LeaderEffect one = leaderEffect(which, args, replies[i].bytes, timeMs);
        if (!one.resp.empty()) e.inner.push_back(std::move(one.resp));
        for (auto &f : one.fixup) e.fixup.push_back(std::move(f));
    }
    return e;
}

}  // namespace dbsync
