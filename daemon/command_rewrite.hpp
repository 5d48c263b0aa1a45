// Deterministic times: a command whose deadline (or, for XCLAIM, delivery
// time) a database would compute from its own clock on arrival is sent to
// every database in its absolute form instead, computed once by dbsyncd, so
// every copy holds the same millisecond (docs/dbsyncd.md, "Deterministic
// commands"):
//
//   EXPIRE/PEXPIRE key t [NX|XX|GT|LT]   -> PEXPIREAT key <ms> [NX|XX|GT|LT]
//   SET key value ... EX s | PX ms ...   -> SET key value ... PXAT <ms> ...
//   SETEX/PSETEX key t value             -> SET key value PXAT <ms>
//   GETEX key EX s | PX ms               -> GETEX key PXAT <ms>
//   RESTORE key ttl payload [options]    -> RESTORE key <ms> payload [options] ABSTTL
//   XCLAIM key g c min-idle id... [opts] -> XCLAIM ... [opts] TIME <ms> (IDLE ms -> TIME <ms>)
//
// Only commands Redis would accept are rewritten, and they are rewritten to
// a command with the same reply. Anything else (a bad number, a ttl Redis
// refuses, repeated or conflicting options, an unknown word) goes unchanged,
// so Redis answers it with its own error for the command the client sent.
#pragma once

#include <cstdint>
#include <string>

#include "request_framer.hpp"

namespace dbsync {

// Writes the absolute form of `req` into `out`, deadlines counted from
// `nowMs` (Unix time in milliseconds), and returns true; returns false and
// leaves `out` alone when `req` is to be forwarded unchanged. Pure: the same
// request and time always give the same bytes.
bool rewriteRelativeExpiry(const FramedRequest &req, int64_t nowMs, std::string &out);

// Unix time in milliseconds, as the databases count deadlines and delivery
// times (the loop's cached time, event_loop.hpp, is monotonic).
int64_t wallClockMs();

// rewriteRelativeExpiry() with the wall clock, read only for requests whose
// command name and argument count make them candidates.
bool rewriteWithWallClock(const FramedRequest &req, std::string &out);

// The forward path's entry, inline because it runs for every request: no
// form has fewer than 3 arguments or a name outside 3 to 7 bytes, and SET
// needs 5 (SET k v EX s), so most requests stop at these compares.
inline bool rewriteForFanout(const FramedRequest &req, std::string &out) {
    size_t name = req.args[0].size();
    if (req.argc < 3 || name < 3 || name > 7 || (name == 3 && req.argc < 5)) return false;
    return rewriteWithWallClock(req, out);
}

}  // namespace dbsync
