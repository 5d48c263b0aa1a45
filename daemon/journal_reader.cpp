#include "journal_reader.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace dbsync {

JournalReader::JournalReader(const Journal &journal, uint64_t from) : journal_(journal), next_(from) {}

JournalReader::~JournalReader() { closeFile(); }

void JournalReader::closeFile() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    positioned_ = false;
}

JournalReader::Result JournalReader::gap(uint64_t last) {
    gapFirst_ = next_;
    gapLast_ = last;
    next_ = last + 1;
    closeFile();
    return Result::Gap;
}

JournalReader::Result JournalReader::fail(std::string what) {
    error_ = std::move(what);
    closeFile();
    return Result::Error;
}

JournalReader::Result JournalReader::next(JournalRecord &rec) {
    if (!error_.empty()) return Result::Error;
    if (next_ > journal_.flushedHead()) return Result::End;

    // The segment that holds next_, or else the first one past it.
    const JournalSegment *seg = nullptr;
    for (const JournalSegment &s : journal_.segs_) {
        if (s.empty() || s.lastSeq < next_) continue;
        seg = &s;
        break;
    }
    if (seg == nullptr) return gap(journal_.flushedHead());
    if (seg->firstSeq > next_) return gap(seg->firstSeq - 1);

    if (fd_ < 0 || segName_ != seg->nameSeq) {
        closeFile();
        fd_ = ::open(seg->path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) {
            // Deleted under us (retired): what it held is not there any more.
            if (errno == ENOENT) return gap(seg->lastSeq);
            return fail("cannot open " + seg->path + ": " + std::strerror(errno));
        }
        segName_ = seg->nameSeq;
    }
    if (!positioned_) {
        scan_.reset(fd_, seg->entryAtOrBefore(next_).offset);
        positioned_ = true;
    }
    for (;;) {
        switch (scan_.next(seg->size, journal_.decodeLimit(), rec)) {
        case JournalSegmentScanner::Step::Record:
            if (rec.seq < next_) continue;  // before it, from the index entry on
            if (rec.seq != next_) {
                return fail(seg->path + ": record with seq " + std::to_string(rec.seq) + " at offset " +
                            std::to_string(scan_.recordOffset()) + " where " + std::to_string(next_) + " was due");
            }
            next_++;
            return Result::Record;
        case JournalSegmentScanner::Step::End:
        case JournalSegmentScanner::Step::Torn:
            return fail(seg->path + ": ends at offset " + std::to_string(scan_.recordOffset()) + " before seq " +
                        std::to_string(next_));
        case JournalSegmentScanner::Step::Corrupt:
            return fail(seg->path + ": corrupt record at offset " + std::to_string(scan_.recordOffset()));
        case JournalSegmentScanner::Step::IoError:
            return fail("cannot read " + seg->path + ": " + std::strerror(scan_.error()));
        }
    }
}

}  // namespace dbsync
