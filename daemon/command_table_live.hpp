// The command tables the databases give themselves (their COMMAND reply),
// and the one table dbsyncd routes by (docs/dbsyncd.md, "Commands").
//
// Each database's table is read when it connects. Databases of different
// versions (or with different modules) may disagree: the most careful
// classification wins, so a command is a read only where every table says
// so, and a command some table lacks is a write. A database that does not
// answer COMMAND (an ACL without it) counts with the built-in table
// (command_table.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "command_table.hpp"

namespace dbsync {

// Fills `out` from the bytes of a COMMAND reply (one complete reply):
// every command and subcommand, with its arity, flags and key positions.
// False, with `error` set, when it is not a COMMAND reply.
bool commandTableFromReply(std::string_view bytes, CommandTable &out, std::string &error);

// One table from several, the most careful way.
CommandTable mergeCommandTables(const std::vector<const CommandTable *> &tables);

}  // namespace dbsync
