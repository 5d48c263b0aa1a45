// DBSYNC INFO's text, rendered from the stats tables (stats_table.hpp).
#pragma once

#include <string>

namespace dbsync {

class Server;

// "# Section\r\nname:value\r\n..." as Redis' INFO has it; one "dbN:" line
// per database, its fields comma-separated, last_error last.
std::string renderInfo(const Server &server);

}  // namespace dbsync
