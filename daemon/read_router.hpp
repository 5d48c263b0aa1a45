// Which one database a read goes to (--read-from), and where it is tried
// again when that database fails it.
//
// The rules, in order:
//   1. Only a Ready database is read from (not Down, Connecting,
//      Handshaking): a read waiting in the outbox of a database that is not
//      up would wait for its reconnect.
//   2. Read-your-writes. A client's read is queued after its writes, and
//      each database answers its outbox in order (database_outbox.hpp), so
//      a database that took the write answers the read after applying it.
//      A database that did not take a write (it was down, over
//      --db-max-pending, or lost the connection with the write in flight)
//      may lack it for good: there is no journal to replay it
//      (docs/design.md, "Invariants"). Such a database has missedWrites set
//      (database_backend.hpp), and reads go to the databases without it;
//      only when every Ready database has missed writes is any of them
//      read from.
//   3. Cursor commands (SCAN, SSCAN, HSCAN, ZSCAN) go to the first
//      candidate in -d order whatever the mode: a cursor means something
//      only on the database that returned it.
//   4. --read-from first: the first candidate in -d order; nearest: the one
//      with the lowest reply-latency average. An average only moves with
//      replies, so a candidate without a sample for kLatencyProbeMs gets the
//      next read: a database once slow is noticed when it is fast again.
// --read-from all does not come here: reads go everywhere, like writes.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "options.hpp"

namespace dbsync {

class DatabaseBackend;
class EventLoop;

class ReadRouter {
public:
    static constexpr uint64_t kLatencyProbeMs = 1000;

    ReadRouter(EventLoop &loop, std::vector<std::unique_ptr<DatabaseBackend>> &databases, ReadFrom mode)
        : loop_(loop), databases_(databases), mode_(mode) {}

    ReadFrom mode() const { return mode_; }

    // The database for a read, per the rules above, or nullptr when none is
    // Ready. `exclude`: the database that just failed this read.
    DatabaseBackend *pick(bool cursor, const DatabaseBackend *exclude = nullptr);

private:
    EventLoop &loop_;
    std::vector<std::unique_ptr<DatabaseBackend>> &databases_;
    ReadFrom mode_;
};

}  // namespace dbsync
