// Opens a non-blocking listening socket for an Address: TCP over IPv4 or
// IPv6 (an IPv6 socket listens on IPv6 only), or a unix socket, replacing
// a stale socket file left by an earlier run. Shared by the client
// listener and the metrics endpoint so both bind the same way.
#pragma once

#include <string>

#include "address.hpp"

namespace dbsync {

// The listening fd, or -1 with error set ("bind 127.0.0.1:1111: Address
// already in use"); nothing is left open on failure.
int openListenSocket(const Address &address, int backlog, std::string &error);

}  // namespace dbsync
