// Which one database a read goes to (--read-from), and where it is tried
// again when that database fails it.
//
// The rules, in order:
//   1. Only a database that serves (DatabaseBackend::serving()) is read
//      from: Ready, and with a journal Live, not catching up or diverged. A
//      read waiting in the outbox of a database that is not up would wait
//      for its reconnect, and one that is catching up lacks recent writes.
//   2. Read-your-writes. A client's read is queued after its writes, and
//      each database answers its outbox in order (database_outbox.hpp), so
//      a database that took the write answers the read after applying it.
//      With a journal, a database that did not take a write is catching up
//      until it has it (rule 1). Without one, it may lack it for good: it
//      has missedWrites set (database_backend.hpp), and reads go to the
//      databases without it; only when every serving database has missed
//      writes is any of them read from.
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
