#include "client_memory.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "client_conn.hpp"

namespace dbsync {

size_t ClientMemory::enforce(const std::unordered_set<ClientConn *> &clients) {
    if (total_ <= bound_) return 0;
    std::vector<std::pair<size_t, ClientConn *>> holders;
    for (ClientConn *c : clients)
        if (!c->closed() && c->bufferedBytes() > 0) holders.emplace_back(c->bufferedBytes(), c);
    std::sort(holders.begin(), holders.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
    size_t closed = 0;
    for (auto &[bytes, c] : holders) {
        if (total_ <= bound_) break;
        // Closing is deferred (see server.hpp), but the client's bytes leave
        // the total at once.
        c->closeOverBufferMemory(total_, bound_);
        closed++;
    }
    return closed;
}

}  // namespace dbsync
