// Connections kept between calls, one per server address.
//
// The PHP extension keeps one pool per PHP thread (module globals): closed at
// the end of each request, or kept for the life of the worker when
// dbsync.persistent=1. Nothing here is shared between threads.
#pragma once

#include "common/address.hpp"
#include "client/connection.hpp"

#include <map>
#include <memory>
#include <string>

namespace dbsync {

class ClientPool {
public:
    // The connection for `address`, created (closed) on first use.
    ClientConnection &get(const Address &address);
    void closeAll();
    size_t size() const { return conns_.size(); }

private:
    std::map<std::string, std::unique_ptr<ClientConnection>> conns_;
};

}  // namespace dbsync
