#include "client/pool.hpp"

namespace dbsync {

ClientConnection &ClientPool::get(const Address &address) {
    auto &slot = conns_[address.display()];
    if (!slot) slot = std::make_unique<ClientConnection>(address);
    return *slot;
}

void ClientPool::closeAll() {
    // Destroying the connections also forgets servers that are no longer
    // configured, so a long-lived worker does not accumulate them.
    conns_.clear();
}

}  // namespace dbsync
