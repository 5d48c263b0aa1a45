// --max-buffer-memory: one bound on the bytes buffered for all clients
// together (their input and output buffers). The per-client bounds
// (--max-request-bytes, --client-max-output) times --max-clients are far
// more than a host has: sixteen half-sent 64 MiB requests alone would take
// a gigabyte. Each client reports what its buffers hold as it changes
// (ClientConn::trackMemory); before the loop sleeps, if the total is over
// the bound, the clients holding the most are closed until it is not, each
// with a log line, and counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_set>

namespace dbsync {

class ClientConn;

class ClientMemory {
public:
    explicit ClientMemory(size_t bound) : bound_(bound) {}

    // A client's buffers went from `before` to `after` bytes.
    void change(size_t before, size_t after) { total_ = total_ - before + after; }
    size_t total() const { return total_; }
    size_t bound() const { return bound_; }

    // Closes the largest holders among `clients` until the total is back
    // under the bound; returns how many were closed.
    size_t enforce(const std::unordered_set<ClientConn *> &clients);

private:
    size_t bound_;
    size_t total_ = 0;
};

}  // namespace dbsync
