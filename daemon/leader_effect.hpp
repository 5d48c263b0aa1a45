// Commands whose result a server picks by chance or by its clock, and the
// deterministic command that reproduces what one server did (docs/dbsyncd.md,
// "Leader-first commands").
//
// SPOP picks members at random and XADD with the ID "*" numbers the entry
// from the server's clock: sent to every database, each would pick its own.
// dbsyncd runs such a command on one database, the leader, and sends the
// others its effect, built from the leader's reply, as Redis's replication
// does for its replicas:
//
//   SPOP key [count]             -> SREM key <the members the leader popped>
//   XADD key [options] * f v ... -> XADD key [options] <the leader's ID> f v ...
//   XREADGROUP GROUP g c ... STREAMS k... id...
//                                -> the same XREADGROUP (the same stream and
//                                   group give the same entries everywhere),
//                                   then, on every database, XCLAIM k g c 0
//                                   <the entries delivered> TIME <t> JUSTID
//   XAUTOCLAIM k g c min-idle start [COUNT n] [JUSTID]
//                                -> XCLAIM k g c 0 <the entries claimed and
//                                   those it dropped> TIME <t> [JUSTID], then,
//                                   on every database, XCLAIM ... TIME <t> JUSTID
//
// A consumer group records when each entry was delivered by the server's
// clock, which no reply shows: <t> is dbsyncd's clock when the command came,
// and the XCLAIM ... JUSTID that sets it goes to the leader too (the fix-up,
// after the effect), so every copy holds the same time and delivery count.
//
// XADD's approximate trimming ("~") is passed on as it came: it removes
// whole nodes of the stream, and copies built by the same commands (or by
// replication, DUMP/RESTORE) have the same nodes when their
// stream-node-max-entries and stream-node-max-bytes are the same.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "request_framer.hpp"

namespace dbsync {

// Transaction: a MULTI ... EXEC holding any of the others.
enum class LeaderCommand : uint8_t { None, Spop, XaddAutoId, XreadGroup, XautoClaim, Transaction };

// Which leader-first command `req` is, if any. Cheap for every other
// request: only SPOP, XADD, XREADGROUP and XAUTOCLAIM are looked at further.
// XREADGROUP is leader-first unless it reads only new entries (IDs ">")
// with NOACK, which records no delivery.
LeaderCommand leaderFirstCommand(const FramedRequest &req);

// A command whose fix-up follows its leader's reply on the leader too: it
// runs alone, so nothing is in flight behind it there (leader_first.hpp).
inline bool runsAlone(LeaderCommand which) {
    return which == LeaderCommand::XreadGroup || which == LeaderCommand::XautoClaim ||
           which == LeaderCommand::Transaction;
}

// The command's name and first key, for the log.
const char *leaderCommandName(LeaderCommand which);
std::string_view leaderCommandKey(LeaderCommand which, const std::vector<std::string> &args);

// The effect for the other databases, given every argument of the request
// and the leader's successful reply: RESP, or empty when the leader changed
// nothing (no member popped, no entry added). `plain`: it may reach a
// database twice without changing what it holds (replay_safety.hpp).
// `fixup`: commands for every database, the leader included, after the
// effect (empty for most). A transaction's effect is `inner` instead: the
// commands to run between MULTI and EXEC.
struct LeaderEffect {
    std::string resp;
    bool plain = false;
    std::vector<std::string> fixup;
    std::vector<std::string> inner;

    bool empty() const { return resp.empty() && inner.empty(); }
};
// `timeMs`: dbsyncd's wall clock when the command came, the delivery time
// a consumer group records.
LeaderEffect leaderEffect(LeaderCommand which, const std::vector<std::string> &args, std::string_view reply,
                          int64_t timeMs);

// A transaction's effect, given its commands (RESP each, between MULTI and
// EXEC) and the leader's EXEC reply: each leader-first command replaced by
// its effect (none when the leader refused it: it changed nothing), the
// others as they came; their fix-ups after. A reply that does not answer
// every command leaves the commands as they came.
LeaderEffect transactionEffect(const std::vector<std::string> &commands, std::string_view execReply, int64_t timeMs);

// XADD's arguments: the index of the entry ID, after the options
// (NOMKSTREAM, MAXLEN|MINID [=|~] threshold [LIMIT count]); 0 when the
// options are cut short.
size_t xaddIdIndex(const std::vector<std::string_view> &args);

}  // namespace dbsync
