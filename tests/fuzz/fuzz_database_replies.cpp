// libFuzzer target for what dbsyncd reads out of a database's replies, not
// only frames: a COMMAND table (daemon/command_table_live) and the effect of
// a leader-first command (daemon/leader_effect).
//
// The input is framed by ReplyFramer as a database connection frames it;
// each reply is given to:
//   - commandTableFromReply(): never crashes; when it accepts the reply,
//     every command it read is found again by its name, and merging the
//     table with the built-in one keeps a read only where both say read;
//   - leaderEffect() for SPOP (with and without a count), XADD *,
//     XREADGROUP and XAUTOCLAIM: an effect is one canonical RESP command
//     that frames as one request: SREM of the same key with at least one
//     member, the same XADD with only its ID changed, to an "ms-seq" ID,
//     the same XREADGROUP, or an XCLAIM of the same key, group and
//     consumer with at least one ID and the given time; each fix-up is
//     such an XCLAIM ... JUSTID;
//   - transactionEffect() for a transaction of SADD, SPOP and XADD *: no
//     more commands than it had, each one canonical request, the SADD
//     kept as it came.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "command_table_live.hpp"
#include "leader_effect.hpp"
#include "reply_framer.hpp"
#include "request_framer.hpp"
#include "resp_writer.hpp"

namespace {

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            std::fprintf(stderr, "invariant failed: %s (line %d)\n", #cond, __LINE__); \
            std::abort();                                                             \
        }                                                                             \
    } while (0)

std::vector<std::string> argsOf(const std::string &resp) {
    dbsync::RequestFramer framer;
    dbsync::FramedRequest req;
    CHECK(framer.next(resp, req) == dbsync::RequestFramer::Result::Request);
    CHECK(req.consumed == resp.size());
    std::vector<std::string> args;
    dbsync::forEachArgument(req.resp, [&](std::string_view a) {
        args.emplace_back(a);
        return true;
    });
    CHECK(args.size() == req.argc);
    std::string canonical;
    dbsync::resp::appendCommand(canonical, args);
    CHECK(canonical == resp);
    return args;
}

void checkCommandTable(std::string_view reply) {
    dbsync::CommandTable table;
    std::string error;
    if (!dbsync::commandTableFromReply(reply, table, error)) {
        CHECK(!error.empty());
        return;
    }
    table.forEach([&](const dbsync::CommandSpec &s) { CHECK(table.find(s.name) == &s); });
    dbsync::CommandTable merged = dbsync::mergeCommandTables({&table, &dbsync::CommandTable::builtin()});
    merged.forEach([&](const dbsync::CommandSpec &s) {
        bool read = s.has(dbsync::kCmdReadonly) && !s.has(dbsync::kCmdWrite);
        if (!read) return;
        const dbsync::CommandSpec *a = table.find(s.name), *b = dbsync::CommandTable::builtin().find(s.name);
        CHECK(a && b);
        CHECK(a->has(dbsync::kCmdReadonly) && !a->has(dbsync::kCmdWrite));
        CHECK(b->has(dbsync::kCmdReadonly) && !b->has(dbsync::kCmdWrite));
    });
}

// XCLAIM key group consumer 0 id... TIME 77 [JUSTID].
void checkXclaim(const std::string &resp, bool justId) {
    std::vector<std::string> got = argsOf(resp);
    CHECK(got.size() >= 8 && got[0] == "XCLAIM" && got[1] == "s" && got[2] == "g" && got[3] == "c\r\n" &&
          got[4] == "0");
    size_t end = got.size() - (justId ? 1 : 0);
    CHECK(got[end - 2] == "TIME" && got[end - 1] == "77");
    if (justId) CHECK(got.back() == "JUSTID");
}

void checkGroupEffects(std::string_view reply) {
    const std::vector<std::string> read{"XREADGROUP", "GROUP", "g", "c\r\n", "STREAMS", "s", ">"};
    dbsync::LeaderEffect e = dbsync::leaderEffect(dbsync::LeaderCommand::XreadGroup, read, reply, 77);
    if (!e.resp.empty()) CHECK(argsOf(e.resp) == read);
    CHECK(e.fixup.size() <= 1);
    for (const auto &f : e.fixup) checkXclaim(f, true);
    for (bool justId : {false, true}) {
        std::vector<std::string> claim{"XAUTOCLAIM", "s", "g", "c\r\n", "10", "0"};
        if (justId) claim.push_back("JUSTID");
        e = dbsync::leaderEffect(dbsync::LeaderCommand::XautoClaim, claim, reply, 77);
        if (e.resp.empty()) {
            CHECK(e.fixup.empty());
            continue;
        }
        checkXclaim(e.resp, justId);
        for (const auto &f : e.fixup) checkXclaim(f, true);
    }
}

void checkTransaction(std::string_view reply) {
    std::vector<std::string> commands(3);
    dbsync::resp::appendCommand(commands[0], std::vector<std::string>{"SADD", "k", "a"});
    dbsync::resp::appendCommand(commands[1], std::vector<std::string>{"SPOP", "k"});
    dbsync::resp::appendCommand(commands[2], std::vector<std::string>{"XADD", "s", "*", "f", "v"});
    dbsync::LeaderEffect e = dbsync::transactionEffect(commands, reply, 77);
    CHECK(e.resp.empty() && e.fixup.empty());
    CHECK(!e.inner.empty() && e.inner.size() <= commands.size() && e.inner[0] == commands[0]);
    for (const auto &c : e.inner) argsOf(c);
}

void checkEffects(std::string_view reply) {
    checkTransaction(reply);
    const std::vector<std::string> spop{"SPOP", "k\r\n"}, spopCount{"SPOP", "k", "5"};
    for (const auto *args : {&spop, &spopCount}) {
        dbsync::LeaderEffect e = dbsync::leaderEffect(dbsync::LeaderCommand::Spop, *args, reply, 0);
        if (e.resp.empty()) continue;
        std::vector<std::string> srem = argsOf(e.resp);
        CHECK(srem.size() >= 3 && srem[0] == "SREM" && srem[1] == (*args)[1]);
        CHECK(e.plain);
    }
    const std::vector<std::string> xadd{"XADD", "s", "MAXLEN", "~", "10", "*", "f", "*"};
    checkGroupEffects(reply);
    dbsync::LeaderEffect e = dbsync::leaderEffect(dbsync::LeaderCommand::XaddAutoId, xadd, reply, 0);
    if (e.resp.empty()) return;
    std::vector<std::string> got = argsOf(e.resp);
    CHECK(got.size() == xadd.size());
    for (size_t i = 0; i < xadd.size(); i++) {
        if (i != 5) {
            CHECK(got[i] == xadd[i]);
            continue;
        }
        size_t dash = got[i].find('-');
        CHECK(dash != std::string::npos && dash > 0 && dash + 1 < got[i].size());
        CHECK(got[i].find_first_not_of("0123456789-") == std::string::npos);
    }
    CHECK(!e.plain);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    dbsync::ReplyFramerLimits limits;
    limits.max_bulk_bytes = 4096;
    limits.max_reply_bytes = 1 << 16;
    dbsync::ReplyFramer framer(limits);
    std::string_view in(reinterpret_cast<const char *>(data), size);
    size_t off = 0;
    while (off < in.size()) {
        dbsync::FramedReply reply;
        if (framer.next(in.substr(off), reply) != dbsync::ReplyFramer::Result::Reply) break;
        checkCommandTable(reply.bytes);
        checkEffects(reply.bytes);
        off += reply.bytes.size();
    }
    return 0;
}
