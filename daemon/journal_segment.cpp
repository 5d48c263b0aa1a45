#include "journal_segment.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace dbsync {
namespace {

constexpr char kMagic[8] = {'D', 'B', 'S', 'J', 'R', 'N', 'L', '1'};
constexpr char kPrefix[] = "segment-";
constexpr char kSuffix[] = ".journal";
constexpr size_t kDigits = 20;

}  // namespace

std::string journalSegmentName(uint64_t firstSeq) {
    char name[64];
    std::snprintf(name, sizeof name, "%s%020llu%s", kPrefix, static_cast<unsigned long long>(firstSeq), kSuffix);
    return name;
}

bool parseJournalSegmentName(const std::string &name, uint64_t &firstSeq) {
    const size_t prefix = sizeof kPrefix - 1, suffix = sizeof kSuffix - 1;
    if (name.size() != prefix + kDigits + suffix) return false;
    if (name.compare(0, prefix, kPrefix) != 0 || name.compare(prefix + kDigits, suffix, kSuffix) != 0) return false;
    uint64_t v = 0;
    for (size_t i = prefix; i < prefix + kDigits; i++) {
        const char c = name[i];
        if (c < '0' || c > '9') return false;
        const uint64_t digit = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - digit) / 10) return false;
        v = v * 10 + digit;
    }
    firstSeq = v;
    return true;
}

void encodeJournalSegmentHeader(char (&out)[kJournalSegmentHeader], uint64_t firstSeq) {
    std::memcpy(out, kMagic, sizeof kMagic);
    for (int i = 0; i < 8; i++) out[8 + i] = static_cast<char>(firstSeq >> (8 * i));
}

bool decodeJournalSegmentHeader(const char *p, uint64_t &firstSeq) {
    if (std::memcmp(p, kMagic, sizeof kMagic) != 0) return false;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[8 + i])) << (8 * i);
    firstSeq = v;
    return true;
}

void JournalSegment::addRecord(uint64_t seq, uint64_t offset, uint64_t timeMs, uint64_t recordBytes) {
    if (firstSeq == 0) firstSeq = seq;
    lastSeq = seq;
    if (index.empty() || offset - index.back().offset >= kIndexStep) index.push_back({seq, offset, timeMs});
    size = offset + recordBytes;
}

const JournalSegment::IndexEntry &JournalSegment::entryAtOrBefore(uint64_t seq) const {
    auto it = std::upper_bound(index.begin(), index.end(), seq,
                               [](uint64_t s, const IndexEntry &e) { return s < e.seq; });
    return it == index.begin() ? index.front() : *(it - 1);
}

void JournalSegmentScanner::reset(int fd, uint64_t offset) {
    fd_ = fd;
    buf_.clear();
    bufStart_ = offset;
    pos_ = 0;
    recordOffset_ = offset;
    error_ = 0;
}

JournalSegmentScanner::Step JournalSegmentScanner::next(uint64_t limit, size_t maxPayload, JournalRecord &rec) {
    for (;;) {
        recordOffset_ = bufStart_ + pos_;
        if (recordOffset_ >= limit) return Step::End;
        // Only bytes below the limit count: past it may be a flush under way
        // or, at recovery, nothing the journal vouches for.
        const uint64_t bufEnd = bufStart_ + buf_.size();
        const size_t avail = static_cast<size_t>(std::min(bufEnd, limit) - recordOffset_);
        size_t used = 0;
        JournalDecode d = decodeJournalRecord(buf_.data() + pos_, avail, maxPayload, rec, used);
        if (d == JournalDecode::Ok) {
            pos_ += used;
            return Step::Record;
        }
        if (d == JournalDecode::Corrupt) return Step::Corrupt;
        if (bufEnd >= limit) return Step::Torn;
        // Read more: drop what was consumed, then at least a chunk, and the
        // whole of a record larger than that.
        buf_.erase(0, pos_);
        bufStart_ += pos_;
        pos_ = 0;
        // After a large record, give its memory back rather than keep it for good.
        if (buf_.capacity() > 4 * kChunk && buf_.size() < kChunk) buf_.shrink_to_fit();
        size_t want = std::max(kChunk, journalRecordSize(buf_.data(), buf_.size()));
        want = static_cast<size_t>(std::min<uint64_t>(want, limit - bufStart_));
        if (want <= buf_.size()) return Step::Torn;
        const size_t have = buf_.size();
        buf_.resize(want);
        size_t got = have;
        while (got < want) {
            ssize_t r = ::pread(fd_, buf_.data() + got, want - got, static_cast<off_t>(bufStart_ + got));
            if (r < 0) {
                if (errno == EINTR) continue;
                error_ = errno;
                buf_.resize(got);
                return Step::IoError;
            }
            if (r == 0) break;  // the file is shorter than the limit
            got += static_cast<size_t>(r);
        }
        buf_.resize(got);
        if (got == have) return Step::Torn;
    }
}

}  // namespace dbsync
