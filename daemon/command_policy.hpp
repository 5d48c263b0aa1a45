// Which commands dbsyncd forwards, answers itself, or refuses.
//
// A fan-out proxy keeps no per-client state on its database connections
// (they are shared by all clients), so commands that change connection
// state, block, or turn the connection into a stream cannot work through
// it. They are refused with an error that says why, instead of silently
// misbehaving.
#pragma once

#include "request_framer.hpp"

namespace dbsync {

enum class CommandKind {
    Forward,   // to every database
    Ping,      // answered locally
    Quit,      // +OK, then close
    Dbsync,    // DBSYNC INFO: the daemon's own statistics
    Multi,     // transactions are queued here and sent contiguously on EXEC
    Exec,
    Discard,
    Rejected,  // error naming the command and `why`
    // Would block a shared database connection: refused like Rejected, but
    // queued inside MULTI, where Redis runs it without blocking.
    Blocking,
    // SCRIPT KILL, FUNCTION KILL: to every database, each on a connection
    // of its own (database_control.hpp).
    Control,
};

struct CommandClass {
    CommandKind kind;
    const char *why = nullptr;  // for Rejected and Blocking
};

CommandClass classifyCommand(const FramedRequest &req);

// The same by name alone ("get", "script|kill"), for DBSYNC COMMANDS; the
// cases that depend on arguments are given as the name's usual form (XREAD
// without BLOCK, SCRIPT KILL as "script|kill").
CommandClass classifyCommandName(std::string_view name);

// Case-insensitive comparison of an argument against an upper-case word.
bool argEquals(std::string_view arg, const char *upperWord);

}  // namespace dbsync
