// One segment file of the journal (journal.hpp): its name, its 16-byte
// header, what the Journal knows of it, and a sequential scanner of its
// records that both recovery (Journal::open) and replay (JournalReader)
// read with.
//
// A segment is `segment-<first seq, 20 decimal digits>.journal`: the name
// sorts in seq order and says the first seq the file holds (or will hold,
// while it is empty). The file starts with "DBSJRNL1" and that seq again
// (u64, little-endian), then records back to back (journal_record.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "journal_record.hpp"

namespace dbsync {

constexpr size_t kJournalSegmentHeader = 16;

std::string journalSegmentName(uint64_t firstSeq);
// True if name is a segment's file name; sets firstSeq from it.
bool parseJournalSegmentName(const std::string &name, uint64_t &firstSeq);
void encodeJournalSegmentHeader(char (&out)[kJournalSegmentHeader], uint64_t firstSeq);
// True if the 16 bytes are a segment header; sets firstSeq from it.
bool decodeJournalSegmentHeader(const char *p, uint64_t &firstSeq);

// What the journal keeps in memory about one segment file.
struct JournalSegment {
    // Every kIndexStep bytes or so, one (seq, file offset, time) of a record
    // starting there: a reader seeks to a seq with it, and bytesAfter /
    // oldestTimeAfter are within a step of exact.
    static constexpr uint64_t kIndexStep = 4096;
    struct IndexEntry {
        uint64_t seq;
        uint64_t offset;
        uint64_t timeMs;
    };

    std::string path;
    uint64_t nameSeq = 0;   // from its name (and header): its first seq, once it has records
    uint64_t firstSeq = 0;  // 0 while it holds no record
    uint64_t lastSeq = 0;
    uint64_t size = 0;      // bytes of the file the journal vouches for (header and whole records)
    std::vector<IndexEntry> index;

    bool empty() const { return firstSeq == 0; }
    // Notes a record just written (or found, at recovery) at offset.
    void addRecord(uint64_t seq, uint64_t offset, uint64_t timeMs, uint64_t recordBytes);
    // The index entry with the greatest seq <= seq (the first entry if none is).
    const IndexEntry &entryAtOrBefore(uint64_t seq) const;
};

// Reads records one by one from a descriptor, in chunks with pread, from a
// file offset up to a limit. Holds at most one chunk plus one record.
class JournalSegmentScanner {
public:
    static constexpr size_t kChunk = 256 * 1024;
    enum class Step {
        Record,   // rec set (payload valid until the next call), recordOffset() says where it starts
        End,      // exactly at the limit
        Torn,     // a record begins before the limit and does not end by it
        Corrupt,  // decodeJournalRecord said Corrupt at recordOffset()
        IoError,  // pread failed: error() holds errno
    };

    // Starts over on fd (not owned) at offset.
    void reset(int fd, uint64_t offset);
    Step next(uint64_t limit, size_t maxPayload, JournalRecord &rec);
    // File offset of the record last returned, or of the one that was Torn or Corrupt.
    uint64_t recordOffset() const { return recordOffset_; }
    // File offset just past the record last returned.
    uint64_t offset() const { return bufStart_ + pos_; }
    int error() const { return error_; }

private:
    int fd_ = -1;
    std::string buf_;
    uint64_t bufStart_ = 0;  // file offset of buf_[0]
    size_t pos_ = 0;         // start of the next record in buf_
    uint64_t recordOffset_ = 0;
    int error_ = 0;
};

}  // namespace dbsync
