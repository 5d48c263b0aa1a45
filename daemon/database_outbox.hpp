// What one database is owed, in order: first the commands written to its
// connection and not answered yet, then the commands not written yet.
//
// DatabaseBackend (database_backend.cpp) decides when to write: only once
// the connection is ready (its AUTH/SELECT succeeded), and per
// --db-batch-wait. This class keeps the order, the bytes of what is not
// written yet, and the count that --db-max-pending bounds.
//
// An entry is one unit of work for the database: one command, or a
// MULTI ... EXEC that must stay together (a client's transaction, or a write
// made atomic with its journal marker), which expects one reply per command
// in it. Redis answers a connection's commands in the order it read them, so
// the front of the written part is always the next reply. When a connection
// is lost, an entry that was written has an unknown outcome on that database
// (it may have been applied), one never written is known not applied: the
// two parts say which is which. With a journal (docs/design.md, "The
// journal"), the database's applied marker settles the unknown part when it
// reconnects, and the journal replays the rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>

#include "byte_buffer.hpp"

namespace dbsync {

class FanoutRequest;

class DatabaseOutbox {
public:
    struct Entry {
        FanoutRequest *req;  // who learns the outcome; null for the inner parts of MULTI ... EXEC
        uint64_t queuedUs;   // joined the outbox: reply latency counts from here
        uint64_t writtenUs;  // handed to the connection: the reply timeout counts from here
        size_t size;         // RESP bytes (held here until written)
        uint64_t seq;        // the journal record it applies (0: none, e.g. a read)
        uint32_t replies;    // replies still to come for it
        uint8_t shape;       // how its last reply becomes the request's (ReplyShape, database_backend.hpp)
    };

    size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }
    size_t written() const { return written_; }
    size_t unwritten() const { return entries_.size() - written_; }
    // Entries with a request, written or not (what a client waits for).
    size_t requestsWritten() const;
    size_t requestsUnwritten() const;

    // Appends a unit to be written later; the bytes are copied. `replies`:
    // how many replies it expects (one per command in it).
    void push(FanoutRequest *req, std::string_view resp, uint64_t nowUs, uint64_t seq = 0, uint32_t replies = 1,
              uint8_t shape = 0);

    // Hands each unwritten command, in order, to write(bytes, size), which
    // returns false if the connection refuses it; what it took counts as
    // written from nowUs. False if a command was refused (it and those
    // after it stay unwritten).
    template <typename Write>
    bool writeUnwritten(Write &&write, uint64_t nowUs) {
        size_t used = 0;
        bool ok = true;
        while (written_ < entries_.size()) {
            Entry &e = entries_[written_];
            if (!write(bytes_.data() + used, e.size)) {
                ok = false;
                break;
            }
            e.writtenUs = nowUs;
            used += e.size;
            written_++;
        }
        consumeBytes(used);
        return ok;
    }

    // The oldest written entry, answered next; only when written() > 0.
    const Entry &front() const { return entries_.front(); }
    Entry &front() { return entries_.front(); }
    Entry popAnswered();

    // Empties the outbox; the first `written` entries of the result had
    // been written.
    struct Taken {
        std::deque<Entry> entries;
        size_t written = 0;
    };
    Taken takeAll();

private:
    void consumeBytes(size_t n);

    std::deque<Entry> entries_;
    size_t written_ = 0;  // entries_[0, written_) are written
    ByteBuffer bytes_;    // the unwritten entries' bytes, back to back
};

}  // namespace dbsync
