// The list of servers a call goes to: dbsync.servers or the $servers argument.
#pragma once

#include "common/address.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace dbsync {

// Parses "host:port[,host:port...]" (also "[v6]:port", "unix:/path").
// Duplicates are dropped (a server listed twice would otherwise get the
// command twice). Fails on an empty list or any malformed entry, naming it.
bool parseServerList(std::string_view text, std::vector<Address> &out, std::string &error);

}  // namespace dbsync
