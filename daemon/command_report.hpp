// DBSYNC COMMANDS name...: how dbsyncd handles each named command, so a
// user can check before relying on it: a read (one database, per
// --read-from), a write (every database), answered by dbsyncd itself, or
// refused, and why.
#pragma once

#include "command_table.hpp"

#include <string>
#include <string_view>

#include "options.hpp"
#include "request_framer.hpp"

namespace dbsync {

// One line for one command name ("get", "config|get"): "get: read (...)".
std::string describeCommandRouting(std::string_view name, ReadFrom mode,
                                   const CommandTable &table = CommandTable::builtin(),
                                   const char *source = "dbsyncd's built-in Redis 7.0 command table");

// The RESP reply to DBSYNC COMMANDS name...: an array with one bulk string
// per name, or an error when no name is given.
std::string commandRoutingReply(const FramedRequest &req, ReadFrom mode, const CommandTable &table,
                                const char *source);

}  // namespace dbsync
