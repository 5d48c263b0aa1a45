// The journal: every write dbsyncd fans out is appended here, with its seq,
// before its client is answered, so that a database that dropped out can be
// replayed in order from the record after the last one it applied
// (docs/design.md, "Invariants"). This class is the storage: a directory of
// segment files (journal_segment.hpp) of records (journal_record.hpp).
//
// - open() recovers: every record is checked; at the first bad one (torn
//   by a crash mid-write, flipped bytes) the file is cut there, with a
//   warning, and later segments go: garbage is never replayed.
// - append() only buffers; flush() writes everything buffered in one
//   write() (group commit), then fdatasync if --journal-fsync always.
//   everysec syncs on a thread (journal_sync.hpp), asked by syncIfDue().
// - A failed flush (disk full, I/O error) drops what it held and leaves the
//   file as it was; the journal stays usable and the dropped seqs are never
//   reused: they are a gap, which readers (journal_reader.hpp) report.
// - retire() deletes segments every database has applied.
//
// Gaps are never stored: a segment always begins a fresh run of seqs, and
// within a segment seqs are consecutive. So a gap lies between the last seq
// of one segment and the first of the next (after a failed flush the next
// record always starts a new segment), or after the last record flushed
// while head() is above it.
//
// Everything is on the event loop's thread, but for the syncer's thread,
// which only ever sees descriptors handed to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "journal_record.hpp"
#include "journal_segment.hpp"
#include "journal_sync.hpp"

namespace dbsync {

enum class JournalFsync { Always, Everysec, No };
// "always", "everysec", "no": as --journal-fsync spells them.
inline const char *journalFsyncName(JournalFsync f) {
    return f == JournalFsync::Always ? "always" : f == JournalFsync::Everysec ? "everysec" : "no";
}

struct JournalOptions {
    std::string dir;
    JournalFsync fsync = JournalFsync::Everysec;
    uint64_t segmentBytes = 16 << 20;   // rotate the active segment past this
    size_t maxRecordBytes = 1u << 30;   // payloads larger are refused by append (returns 0)
};

class Journal {
public:
    Journal();
    // Flushes nothing (what is buffered is lost, as in a crash), closes the
    // files, lets the sync thread finish what it was handed, and joins it.
    ~Journal();
    Journal(const Journal &) = delete;
    Journal &operator=(const Journal &) = delete;

    // Creates dir if missing (mode 0700; its parent must exist), takes an
    // exclusive flock on dir/lock (held until destruction: a second dbsyncd
    // on the same dir fails, naming it), reads every segment in seq order
    // and checks every record. At the first bad one (Corrupt, torn at end
    // of file, a seq not one more than the previous within a segment, a bad
    // header, a segment that does not begin past its predecessor) the file
    // is truncated there (a file with a bad header is deleted) and every
    // later segment is deleted; each repair is logged with LOG_WARN and
    // counted (truncations(), truncatedRecords()). Opens (or creates) the
    // last segment for appending. False + error only when the directory is
    // unusable (cannot create, not a directory, not writable, lock held,
    // I/O error). Call once per Journal.
    bool open(const JournalOptions &opts, std::string &error);

    // Buffers one record in memory (no syscall) and returns its seq
    // (head()+1), or 0 if payload > maxRecordBytes (or over the format's
    // 4 GiB - 1), flags has bits other than kJournalKnownFlags, or the
    // journal is not open.
    uint64_t append(std::string_view payload, uint8_t flags, uint64_t timeMs);
    // Takes back the last record appended, if it is `seq` and still only
    // buffered (no reader can have seen it): its seq is given again.
    void withdraw(uint64_t seq);
    // Group commit: writes every buffered record with one write() per
    // segment it goes to (a record never spans segments; a new segment is
    // named after the first seq it will hold), then fdatasync if
    // fsync==Always. True if everything buffered is now in the files (or
    // nothing was buffered). On a failure (ENOSPC, EIO, EROFS, EFBIG, short
    // write, failed fdatasync) the segment being written is ftruncate()d
    // back to its size before this write (if that fails too, it is
    // abandoned: nothing more is written to it), the records not yet in a
    // file are dropped (recordsNotJournaled(), writeErrors()+1, lastError()),
    // and the next flush tries again in a new segment. Records already
    // written to an earlier segment by the same flush stay. Never throws.
    bool flush();
    // Everysec: if at least 1000 ms passed since the last sync request and
    // something was written since, asks the sync thread to fdatasync the
    // active segment. Always, No: nothing (Always synced in flush). Also
    // logs sync failures the thread saw. Called by the janitor.
    void syncIfDue(uint64_t nowMs);
    // Waits until the sync thread has done everything asked of it (tests).
    void waitForSync();

    // Records with seq <= upTo are no longer needed: deletes every segment
    // (not the active one) whose records are all <= upTo. When everything
    // written is retired and the active segment is larger than 1 MiB,
    // rotates first (starting a new empty segment), so a steady state keeps
    // little on disk.
    void retire(uint64_t upTo);

    // The next seq append() gives will be `next`: seq numbers must not go
    // backwards across restarts, and the caller knows the highest seq any
    // database holds (journal_state.hpp). Ignored if next <= head()+1.
    // Meant for an empty journal; on one that holds records the seqs in
    // between become a gap. When nothing is buffered, a new segment named
    // `next` is created at once (so a restart keeps head()), replacing an
    // empty active one; otherwise the record `next` starts one when flushed.
    void setNextSeq(uint64_t next);

    uint64_t head() const { return head_; }                 // highest seq appended (buffered or not, or skipped by setNextSeq); 0 if none ever
    uint64_t flushedHead() const { return flushedHead_; }   // highest seq in the files (readers see up to here)
    uint64_t firstSeq() const;     // lowest seq still present in the files; head()+1 if none
    // Whether records [from, flushedHead()] are all in the files (no gap
    // from failed writes, setNextSeq or deleted segments): true iff
    // from >= firstSeq() and no missing seq is >= from (seqs dropped by a
    // failed flush count as missing at once, even before a later record is
    // flushed past them).
    bool hasAllFrom(uint64_t from) const;
    uint64_t bytes() const;         // total size of segment files on disk
    size_t segments() const { return segs_.size(); }
    // Unix ms of the oldest record with seq > afterSeq still in the files,
    // 0 if none: exact when afterSeq+1 begins a segment, otherwise the time
    // of a record at most JournalSegment::kIndexStep bytes before it in its
    // segment (the offset index is that coarse). For --journal-max-age.
    uint64_t oldestTimeAfter(uint64_t afterSeq) const;
    // Bytes of records with seq > afterSeq in the files (headers included):
    // exact for whole segments; within the segment that holds afterSeq+1 it
    // counts from an index entry at most JournalSegment::kIndexStep bytes
    // before that record. For "behind_bytes".
    uint64_t bytesAfter(uint64_t afterSeq) const;

    const std::string &dir() const { return opts_.dir; }
    const std::string &lastError() const { return lastError_; }
    uint64_t writeErrors() const { return writeErrors_; }          // failed flushes (and failed background syncs)
    uint64_t recordsNotJournaled() const { return recordsNotJournaled_; }
    uint64_t fsyncs() const;                                       // fdatasync/fsync calls that succeeded
    uint64_t truncations() const { return truncations_; }          // repairs made by open()
    uint64_t truncatedRecords() const { return truncatedRecords_; }
    uint64_t bufferedRecords() const { return pending_.size(); }
    size_t bufferedBytes() const { return buf_.size(); }

    // The most a record's payload may be when decoding the files: never
    // below the default, so that lowering --journal-max-record-bytes does not
    // make recovery cut records written before.
    size_t decodeLimit() const;

private:
    friend class JournalReader;

    struct Pending {
        uint64_t seq;
        uint64_t timeMs;
        size_t bytes;
    };

    bool openDir(std::string &error);
    bool recover(std::string &error);
    // Checks one segment file; false on an I/O error. Sets `cut` when the
    // file was repaired (later segments must go), with why; keep when the
    // file stays (cut or not).
    bool recoverSegment(JournalSegment &seg, uint64_t minSeq, bool &keep, bool &cut, std::string &why,
                        std::string &error);
    uint64_t countRecords(const std::string &path) const;
    // Creates segment `nameSeq` and makes it the active one (the previous
    // active one is kept if it holds records, deleted if not).
    bool startSegment(uint64_t nameSeq, std::string &error);
    bool openActive(std::string &error);
    void closeActive(bool finished);
    // Writes buf_[from, to) (records pending_[first, last)) to the active segment.
    bool writePart(size_t from, size_t to, size_t first, size_t last);
    void failFlush(size_t firstUnwritten, const std::string &what);
    void removeSegment(size_t i);
    void syncDirectory();
    void pollSyncer();
    uint64_t nextToWrite() const { return pending_.empty() ? head_ + 1 : pending_.front().seq; }

    JournalOptions opts_;
    bool open_ = false;
    int lockFd_ = -1;
    int activeFd_ = -1;             // descriptor of segs_.back() when writable
    bool abandoned_ = false;        // segs_.back() must not be written any more
    bool dirty_ = false;            // written since the last sync request
    bool failing_ = false;          // the last flush failed (its error was logged)
    uint64_t lastSyncRequestMs_ = 0;
    std::vector<JournalSegment> segs_;  // in seq order; the last one is active
    std::string buf_;               // pending records, encoded back to back
    std::vector<Pending> pending_;
    uint64_t head_ = 0;
    uint64_t cutRecords_ = 0;       // recoverSegment(): records its cut dropped
    uint64_t flushedHead_ = 0;
    std::string lastError_;
    uint64_t writeErrors_ = 0, recordsNotJournaled_ = 0, localFsyncs_ = 0, truncations_ = 0,
             truncatedRecords_ = 0, syncFailuresSeen_ = 0;
    JournalSyncer syncer_;  // last: joined first, before the descriptors it never holds go
};

}  // namespace dbsync
