#include "leader_effect.hpp"

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

LeaderEffect spopEffect(const std::vector<std::string> &args, std::string_view reply) {
    std::vector<std::string_view> srem{"SREM", args[1]};
    ReplyFramer framer;
    FramedReply top;
    if (framer.next(reply, top) != ReplyFramer::Result::Reply) return {};
    if (top.kind == ReplyKind::Bulk) {
        srem.push_back(bulkPayload(top.bytes));
    } else if (top.kind == ReplyKind::Array) {
        // SPOP key count: an array of bulk members.
        size_t off = top.bytes.find("\r\n") + 2;
        while (off < top.bytes.size()) {
            FramedReply member;
            ReplyFramer elements;
            if (elements.next(top.bytes.substr(off), member) != ReplyFramer::Result::Reply) return {};
            if (member.kind != ReplyKind::Bulk) return {};
            srem.push_back(bulkPayload(member.bytes));
            off += member.bytes.size();
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
    ReplyFramer framer;
    FramedReply id;
    // NOMKSTREAM on a missing key answers nil: nothing was added.
    if (framer.next(reply, id) != ReplyFramer::Result::Reply || id.kind != ReplyKind::Bulk) return {};
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
    if (name.size() != 4 || req.argc < 2) return LeaderCommand::None;
    if (argEquals(name, "SPOP")) return req.argc <= 3 ? LeaderCommand::Spop : LeaderCommand::None;
    if (!argEquals(name, "XADD") || req.argc < 5) return LeaderCommand::None;
    std::vector<std::string_view> args;
    args.reserve(req.argc);
    forEachArgument(req.resp, [&](std::string_view a) {
        args.push_back(a);
        return true;
    });
    size_t at = xaddIdIndex(args);
    return at != 0 && args[at] == "*" ? LeaderCommand::XaddAutoId : LeaderCommand::None;
}

LeaderEffect leaderEffect(LeaderCommand which, const std::vector<std::string> &args, std::string_view reply) {
    switch (which) {
    case LeaderCommand::Spop: return spopEffect(args, reply);
    case LeaderCommand::XaddAutoId: return xaddEffect(args, reply);
    case LeaderCommand::None: break;
    }
    return {};
}

}  // namespace dbsync
