// The database list of a running dbsyncd, from its DBSYNC INFO reply, and
// how -d entries combine with it.
#pragma once

#include <string>
#include <vector>

#include "options.hpp"

namespace dbsync::check {

// Parses the "dbN:address=HOST:PORT[/DB],state=..." lines of DBSYNC INFO, in
// N order. The addresses carry no user or password (dbsyncd does not show
// them). False with `error` set when a line cannot be read or there is none.
bool parseDbsyncInfo(const std::string &info, std::vector<DatabaseSpec> &out, std::string &error);

// The dbsyncd list with each -d entry that names the same address and
// database number put in its place (it brings the credentials); -d entries
// that match none are added at the end.
std::vector<DatabaseSpec> mergeDatabaseLists(const std::vector<DatabaseSpec> &fromDbsyncd,
                                             const std::vector<DatabaseSpec> &given);

}  // namespace dbsync::check
