// Which writes may reach a database twice, in order, without changing what
// it holds: the journal's exactly-once rule (docs/design.md, "The journal").
//
// After a crash (of dbsyncd, of a database, of the connection between them)
// a database holds a prefix of the commands written to it, and its applied
// marker names the last marker it holds. Replay starts after the marker, so
// the commands between that marker and the end of the prefix are applied
// again. Every command from the command after a marker up to the next
// marker is a plain write in this sense, because any other write carries
// its own marker inside its MULTI ... EXEC (database_backend.cpp): a run of
// such writes is a series of assignments, and assigning the same values a
// second time changes nothing.
//
// Plain: the command sets what it touches to values given in its arguments,
// whatever was there (SET k v, HSET k f v, SADD, DEL, PEXPIREAT k t...).
// Everything else (INCR, LPUSH, APPEND, conditional forms such as SET NX or
// ZADD GT, scripts, commands this table does not know) is not, and is made
// atomic with its marker.
#pragma once

#include "request_framer.hpp"

namespace dbsync {

bool replaysSafely(const FramedRequest &req);

}  // namespace dbsync
