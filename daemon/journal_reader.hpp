// Replay: reads the journal's records (journal.hpp) in seq order from a
// given seq, for a database that is catching up on what it missed.
//
// A reader only ever sees what was flushed (Journal::flushedHead(), as it is
// at each call), so it can run while the journal grows: End means "nothing
// more yet", and later calls see later flushes. It reads the files with
// pread in chunks (JournalSegmentScanner), holds at most one descriptor,
// and finds its place in a segment from the journal's offset index. Seqs
// that are not in the files (retired, or dropped by a failed flush) are
// reported as a Gap, then reading goes on after them.
//
// Same thread as the Journal: it reads the journal's segment list directly.
#pragma once

#include <cstdint>
#include <string>

#include "journal.hpp"
#include "journal_record.hpp"
#include "journal_segment.hpp"

namespace dbsync {

class JournalReader {
public:
    // Reads records of `journal` in seq order starting at `from` (the first
    // record returned has seq == from), only up to journal.flushedHead().
    JournalReader(const Journal &journal, uint64_t from);
    ~JournalReader();
    JournalReader(const JournalReader &) = delete;
    JournalReader &operator=(const JournalReader &) = delete;

    enum class Result {
        Record,  // rec is the record nextSeq() was before the call
        End,     // nothing more flushed yet
        Gap,     // the records [gapFirst(), gapLast()] are not in the journal (retired, or lost to a
                 // failed write); nextSeq() is now gapLast() + 1, the next call goes on from there
        Error,   // I/O error or corruption; error() says. Sticky: this reader is done
    };
    // On Record, rec.payload stays valid until the next call.
    Result next(JournalRecord &rec);
    uint64_t nextSeq() const { return next_; }
    uint64_t gapFirst() const { return gapFirst_; }
    uint64_t gapLast() const { return gapLast_; }
    const std::string &error() const { return error_; }

private:
    Result gap(uint64_t last);
    Result fail(std::string what);
    void closeFile();

    const Journal &journal_;
    uint64_t next_;
    uint64_t gapFirst_ = 0, gapLast_ = 0;
    int fd_ = -1;
    uint64_t segName_ = 0;     // nameSeq of the segment fd_ is open on
    bool positioned_ = false;  // scan_ is at or before the record next_ in that segment
    JournalSegmentScanner scan_;
    std::string error_;
};

}  // namespace dbsync
