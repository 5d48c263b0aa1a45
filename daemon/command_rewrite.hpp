// Deterministic expiry: a command whose deadline a database would compute
// from its own clock on arrival is sent to every database in its absolute
// form instead, computed once by dbsyncd, so every copy of a key expires at
// the same millisecond (README "Deterministic commands"):
//
//   EXPIRE/PEXPIRE key t [NX|XX|GT|LT]   -> PEXPIREAT key <ms> [NX|XX|GT|LT]
//   SET key value ... EX s | PX ms ...   -> SET key value ... PXAT <ms> ...
//   SETEX/PSETEX key t value             -> SET key value PXAT <ms>
//   GETEX key EX s | PX ms               -> GETEX key PXAT <ms>
//   RESTORE key ttl payload [options]    -> RESTORE key <ms> payload [options] ABSTTL
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

// The forward path's entry: rewriteRelativeExpiry() with the wall clock,
// which is read only for requests the command name and argument count make
// candidates; everything else costs a length check and a byte compare or two.
bool rewriteForFanout(const FramedRequest &req, std::string &out);

}  // namespace dbsync
