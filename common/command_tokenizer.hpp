// Splits a command line into arguments the way redis-cli (and Redis's inline
// protocol) does: blanks separate arguments, "double quotes" understand
// \" \\ \n \r \t \b \a and \xHH, 'single quotes' are literal except \'.
// Used for dbsync_send("SET k v") and for inline requests in dbsyncd.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dbsync {

// Returns false and sets error for unbalanced quotes or a closing quote not
// followed by a blank. An empty or blank line yields no arguments.
bool tokenizeCommand(std::string_view line, std::vector<std::string> &args, std::string &error);

}  // namespace dbsync
