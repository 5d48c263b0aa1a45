// The Prometheus text exposition (format 0.0.4) served at /metrics
// (metrics_http.hpp), rendered from the stats tables (stats_table.hpp).
#pragma once

#include <string>

namespace dbsync {

class Server;

std::string renderMetrics(const Server &server);

}  // namespace dbsync
