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

enum class LeaderCommand : uint8_t { None, Spop, XaddAutoId };

// Which leader-first command `req` is, if any. Cheap for every other
// request: only SPOP and XADD are looked at further.
LeaderCommand leaderFirstCommand(const FramedRequest &req);

// The effect for the other databases, given every argument of the request
// and the leader's successful reply: RESP, or empty when the leader changed
// nothing (no member popped, no entry added). `plain`: it may reach a
// database twice without changing what it holds (replay_safety.hpp).
struct LeaderEffect {
    std::string resp;
    bool plain = false;
};
LeaderEffect leaderEffect(LeaderCommand which, const std::vector<std::string> &args, std::string_view reply);

// XADD's arguments: the index of the entry ID, after the options
// (NOMKSTREAM, MAXLEN|MINID [=|~] threshold [LIMIT count]); 0 when the
// options are cut short.
size_t xaddIdIndex(const std::vector<std::string_view> &args);

}  // namespace dbsync
