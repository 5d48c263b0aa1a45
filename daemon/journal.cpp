#include "journal.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include "log.hpp"

namespace dbsync {
namespace {

// retire() starts a new segment when everything is retired and the active
// one is larger than this: what is on disk stays small in a steady state.
constexpr uint64_t kRetireRotateBytes = 1 << 20;
// Buffer memory kept after a flush: a burst does not stay allocated for good.
constexpr size_t kIdleBufferKeep = 1 << 20;

std::string errnoText(int err) { return std::strerror(err); }

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

bool writeAll(int fd, const char *p, size_t n, uint64_t offset, int &err) {
    while (n > 0) {
        ssize_t r = ::pwrite(fd, p, n, static_cast<off_t>(offset));
        if (r < 0) {
            if (errno == EINTR) continue;
            err = errno;
            return false;
        }
        if (r == 0) {
            err = EIO;
            return false;
        }
        p += r;
        n -= static_cast<size_t>(r);
        offset += static_cast<uint64_t>(r);
    }
    return true;
}

bool syncFd(int fd, bool full, int &err) {
    int rc;
    do {
        rc = full ? ::fsync(fd) : ::fdatasync(fd);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) err = errno;
    return rc == 0;
}

}  // namespace

Journal::Journal() = default;

Journal::~Journal() {
    if (activeFd_ >= 0) closeActive(true);
    syncer_.waitIdle();
    if (lockFd_ >= 0) ::close(lockFd_);
}

size_t Journal::decodeLimit() const {
    return static_cast<size_t>(
        std::min<uint64_t>(std::max<uint64_t>(opts_.maxRecordBytes, JournalOptions{}.maxRecordBytes), kJournalMaxPayloadLen));
}

uint64_t Journal::fsyncs() const { return localFsyncs_ + syncer_.syncs(); }

bool Journal::open(const JournalOptions &opts, std::string &error) {
    if (open_ || lockFd_ >= 0) {
        error = "journal " + opts_.dir + " is already open";
        return false;
    }
    opts_ = opts;
    if (opts_.dir.empty()) {
        error = "no journal directory given";
        return false;
    }
    while (opts_.dir.size() > 1 && opts_.dir.back() == '/') opts_.dir.pop_back();
    if (!openDir(error) || !recover(error) || (activeFd_ < 0 && !openActive(error))) {
        if (activeFd_ >= 0) ::close(activeFd_);
        activeFd_ = -1;
        segs_.clear();
        if (lockFd_ >= 0) ::close(lockFd_);
        lockFd_ = -1;
        return false;
    }
    if (opts_.fsync == JournalFsync::Everysec && !syncer_.start()) {
        LOG_WARN("journal %s: cannot start the sync thread: everysec syncs run on the event loop", opts_.dir.c_str());
    }
    open_ = true;
    return true;
}

bool Journal::openDir(std::string &error) {
    const char *dir = opts_.dir.c_str();
    if (::mkdir(dir, 0700) != 0 && errno != EEXIST) {
        error = "cannot create journal directory " + opts_.dir + ": " + errnoText(errno);
        return false;
    }
    struct stat st;
    if (::stat(dir, &st) != 0) {
        error = "journal directory " + opts_.dir + ": " + errnoText(errno);
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        error = "journal directory " + opts_.dir + " is not a directory";
        return false;
    }
    if (::access(dir, W_OK | X_OK) != 0) {
        error = "journal directory " + opts_.dir + " is not writable: " + errnoText(errno);
        return false;
    }
    const std::string lock = opts_.dir + "/lock";
    lockFd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lockFd_ < 0) {
        error = "journal directory " + opts_.dir + " is not usable: cannot open " + lock + ": " + errnoText(errno);
        return false;
    }
    if (::flock(lockFd_, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        ::close(lockFd_);
        lockFd_ = -1;
        if (err == EWOULDBLOCK) {
            error = "journal directory " + opts_.dir + " is in use by another dbsyncd (" + lock + " is locked)";
        } else {
            error = "cannot lock " + lock + ": " + errnoText(err);
        }
        return false;
    }
    return true;
}

uint64_t Journal::countRecords(const std::string &path) const {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    uint64_t n = 0;
    struct stat st;
    if (::fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) > kJournalSegmentHeader) {
        JournalSegmentScanner scan;
        scan.reset(fd, kJournalSegmentHeader);
        JournalRecord rec;
        while (scan.next(static_cast<uint64_t>(st.st_size), decodeLimit(), rec) ==
               JournalSegmentScanner::Step::Record) {
            n++;
        }
    }
    ::close(fd);
    return n;
}

bool Journal::recoverSegment(JournalSegment &seg, uint64_t minSeq, bool &keep, bool &cut, std::string &why,
                             std::string &error) {
    keep = true;
    cut = false;
    int fd = ::open(seg.path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        error = "cannot open " + seg.path + ": " + errnoText(errno);
        return false;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
        error = "cannot stat " + seg.path + ": " + errnoText(errno);
        ::close(fd);
        return false;
    }
    const uint64_t fileSize = static_cast<uint64_t>(st.st_size);

    // The header: a file whose header is bad is deleted whole.
    std::string bad;
    char header[kJournalSegmentHeader];
    uint64_t headerSeq = 0;
    if (fileSize < kJournalSegmentHeader) {
        bad = "shorter than a segment header";
    } else {
        ssize_t r;
        do {
            r = ::pread(fd, header, sizeof header, 0);
        } while (r < 0 && errno == EINTR);
        if (r < 0) {
            error = "cannot read " + seg.path + ": " + errnoText(errno);
            ::close(fd);
            return false;
        }
        if (static_cast<size_t>(r) != sizeof header || !decodeJournalSegmentHeader(header, headerSeq)) {
            bad = "not a journal segment header";
        } else if (headerSeq != seg.nameSeq) {
            bad = "header says first seq " + std::to_string(headerSeq);
        } else if (seg.nameSeq < minSeq) {
            bad = "begins at seq " + std::to_string(seg.nameSeq) + ", not after the previous segment's last (" +
                  std::to_string(minSeq - 1) + ")";
        }
    }
    if (!bad.empty()) {
        ::close(fd);
        keep = false;
        cut = true;
        why = bad;
        return true;
    }

    // The records: consecutive seqs from the name's, each one whole and intact.
    seg.size = kJournalSegmentHeader;
    JournalSegmentScanner scan;
    scan.reset(fd, kJournalSegmentHeader);
    uint64_t expected = seg.nameSeq;
    JournalRecord rec;
    for (;;) {
        JournalSegmentScanner::Step step = scan.next(fileSize, decodeLimit(), rec);
        if (step == JournalSegmentScanner::Step::End) break;
        if (step == JournalSegmentScanner::Step::IoError) {
            error = "cannot read " + seg.path + ": " + errnoText(scan.error());
            ::close(fd);
            return false;
        }
        if (step == JournalSegmentScanner::Step::Torn) {
            bad = "torn record (" + std::to_string(fileSize - scan.recordOffset()) + " bytes at the end)";
        } else if (step == JournalSegmentScanner::Step::Corrupt) {
            bad = "corrupt record";
        } else if (rec.seq != expected) {
            bad = "record with seq " + std::to_string(rec.seq) + " where " + std::to_string(expected) + " was due";
        }
        if (!bad.empty()) break;
        seg.addRecord(rec.seq, scan.recordOffset(), rec.timeMs, scan.offset() - scan.recordOffset());
        expected++;
    }
    if (!bad.empty()) {
        cut = true;
        why = bad;
        // What the cut drops, for the warning: the bad record, and the ones
        // after it as their length fields lay them out (their checksums no
        // longer matter).
        cutRecords_ = 0;
        for (uint64_t off = seg.size; off < fileSize;) {
            cutRecords_++;
            char len[4];
            ssize_t r = ::pread(fd, len, sizeof len, static_cast<off_t>(off));
            size_t size = r == static_cast<ssize_t>(sizeof len) ? journalRecordSize(len, sizeof len) : 0;
            if (size == 0 || size > fileSize - off) break;
            off += size;
        }
        if (::ftruncate(fd, static_cast<off_t>(seg.size)) != 0) {
            error = "cannot truncate " + seg.path + ": " + errnoText(errno);
            ::close(fd);
            return false;
        }
        int err = 0;
        if (opts_.fsync != JournalFsync::No && !syncFd(fd, false, err)) {
            error = "cannot sync " + seg.path + ": " + errnoText(err);
            ::close(fd);
            return false;
        }
    }
    ::close(fd);
    return true;
}

bool Journal::recover(std::string &error) {
    std::vector<std::pair<uint64_t, std::string>> files;
    DIR *d = ::opendir(opts_.dir.c_str());
    if (d == nullptr) {
        error = "cannot read journal directory " + opts_.dir + ": " + errnoText(errno);
        return false;
    }
    while (struct dirent *e = ::readdir(d)) {
        uint64_t seq;
        if (parseJournalSegmentName(e->d_name, seq)) files.emplace_back(seq, opts_.dir + "/" + e->d_name);
    }
    ::closedir(d);
    std::sort(files.begin(), files.end());

    bool changed = false;
    uint64_t minSeq = 1;
    for (size_t i = 0; i < files.size(); i++) {
        JournalSegment seg;
        seg.nameSeq = files[i].first;
        seg.path = files[i].second;
        bool keep, cut;
        std::string why;
        if (seg.nameSeq == 0) {
            keep = false;
            cut = true;
            why = "named after seq 0";
        } else if (!recoverSegment(seg, minSeq, keep, cut, why, error)) {
            return false;
        }
        if (keep) {
            if (!seg.empty()) minSeq = seg.lastSeq + 1;
            segs_.push_back(std::move(seg));
        }
        if (!cut) continue;

        // Repair: this file is cut (or deleted), every later one goes.
        changed = true;
        const uint64_t offset = keep ? segs_.back().size : 0;
        uint64_t dropped = keep ? cutRecords_ : countRecords(files[i].second);
        if (!keep && ::unlink(files[i].second.c_str()) != 0 && errno != ENOENT) {
            error = "cannot delete " + files[i].second + ": " + errnoText(errno);
            return false;
        }
        for (size_t j = i + 1; j < files.size(); j++) {
            dropped += countRecords(files[j].second);
            if (::unlink(files[j].second.c_str()) != 0 && errno != ENOENT) {
                error = "cannot delete " + files[j].second + ": " + errnoText(errno);
                return false;
            }
        }
        LOG_WARN("journal: %s: %s: %s at offset %llu, %llu record(s) dropped, %zu later segment(s) deleted",
                 files[i].second.c_str(), why.c_str(), keep ? "truncated" : "deleted", ull(offset), ull(dropped),
                 files.size() - i - 1);
        truncations_++;
        truncatedRecords_ += dropped;
        break;
    }

    // An empty segment before the last one is left by a crash between
    // starting a segment and writing to it: it holds nothing, it goes.
    for (size_t i = 0; i + 1 < segs_.size();) {
        if (!segs_[i].empty()) {
            i++;
            continue;
        }
        LOG_INFO("journal: deleting the empty segment %s", segs_[i].path.c_str());
        changed = true;
        removeSegment(i);
    }
    if (changed) syncDirectory();

    head_ = 0;
    flushedHead_ = 0;
    for (const JournalSegment &s : segs_) {
        if (!s.empty()) flushedHead_ = s.lastSeq;
    }
    if (segs_.empty()) return startSegment(1, error);
    head_ = segs_.back().empty() ? segs_.back().nameSeq - 1 : segs_.back().lastSeq;
    return true;
}

bool Journal::openActive(std::string &error) {
    activeFd_ = ::open(segs_.back().path.c_str(), O_WRONLY | O_CLOEXEC);
    if (activeFd_ < 0) {
        error = "cannot open " + segs_.back().path + " for writing: " + errnoText(errno);
        return false;
    }
    abandoned_ = false;
    return true;
}

void Journal::closeActive(bool finished) {
    if (activeFd_ < 0) return;
    if (finished && dirty_ && opts_.fsync == JournalFsync::Everysec) {
        syncer_.submit(activeFd_, JournalSyncer::Kind::Finished);
    } else {
        ::close(activeFd_);
    }
    activeFd_ = -1;
    dirty_ = false;
}

void Journal::syncDirectory() {
    if (opts_.fsync == JournalFsync::No) return;
    int fd = ::open(opts_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        LOG_WARN("journal: cannot open %s to sync it: %s", opts_.dir.c_str(), errnoText(errno).c_str());
        return;
    }
    if (opts_.fsync == JournalFsync::Everysec) {
        syncer_.submit(fd, JournalSyncer::Kind::Directory);
        return;
    }
    int err = 0;
    if (syncFd(fd, true, err)) {
        localFsyncs_++;
    } else {
        LOG_WARN("journal: cannot sync directory %s: %s", opts_.dir.c_str(), errnoText(err).c_str());
    }
    ::close(fd);
}

bool Journal::startSegment(uint64_t nameSeq, std::string &error) {
    JournalSegment seg;
    seg.nameSeq = nameSeq;
    seg.path = opts_.dir + "/" + journalSegmentName(nameSeq);
    seg.size = kJournalSegmentHeader;
    int fd = ::open(seg.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot create " + seg.path + ": " + errnoText(errno);
        return false;
    }
    char header[kJournalSegmentHeader];
    encodeJournalSegmentHeader(header, nameSeq);
    int err = 0;
    bool ok = writeAll(fd, header, sizeof header, 0, err);
    if (ok && opts_.fsync == JournalFsync::Always) {
        ok = syncFd(fd, false, err);
        if (ok) localFsyncs_++;
    }
    if (!ok) {
        error = "cannot write " + seg.path + ": " + errnoText(err);
        ::close(fd);
        ::unlink(seg.path.c_str());
        return false;
    }
    closeActive(true);
    if (!segs_.empty() && segs_.back().empty()) removeSegment(segs_.size() - 1);
    segs_.push_back(std::move(seg));
    activeFd_ = fd;
    abandoned_ = false;
    syncDirectory();
    return true;
}

void Journal::removeSegment(size_t i) {
    if (::unlink(segs_[i].path.c_str()) != 0 && errno != ENOENT) {
        // Left behind, it is read again at the next open: records all
        // retired, it is then retired again.
        LOG_WARN("journal: cannot delete %s: %s", segs_[i].path.c_str(), errnoText(errno).c_str());
    }
    segs_.erase(segs_.begin() + static_cast<std::ptrdiff_t>(i));
}

uint64_t Journal::append(std::string_view payload, uint8_t flags, uint64_t timeMs) {
    if (!open_ || payload.size() > opts_.maxRecordBytes || payload.size() > kJournalMaxPayloadLen ||
        (flags & ~kJournalKnownFlags) != 0) {
        return 0;
    }
    const uint64_t seq = head_ + 1;
    const size_t before = buf_.size();
    appendJournalRecord(buf_, seq, timeMs, flags, payload);
    pending_.push_back({seq, timeMs, buf_.size() - before});
    head_ = seq;
    return seq;
}

void Journal::withdraw(uint64_t seq) {
    if (pending_.empty() || pending_.back().seq != seq || head_ != seq) return;
    buf_.resize(buf_.size() - pending_.back().bytes);
    pending_.pop_back();
    head_ = seq - 1;
}

void Journal::failFlush(size_t firstUnwritten, const std::string &what) {
    const size_t n = pending_.size() - firstUnwritten;
    if (!failing_) {
        // The first failure of a run is logged; the following ones are
        // counted (writeErrors(), recordsNotJournaled()) until one succeeds.
        LOG_ERROR("journal: %s: %zu record(s) not journaled (seqs %llu-%llu); later failures are only counted "
                  "until a write succeeds",
                  what.c_str(), n, ull(pending_[firstUnwritten].seq), ull(pending_.back().seq));
    }
    failing_ = true;
    recordsNotJournaled_ += n;
    writeErrors_++;
    lastError_ = what;
    buf_.clear();
    pending_.clear();
}

bool Journal::writePart(size_t from, size_t to, size_t first, size_t last) {
    JournalSegment &seg = segs_.back();
    const uint64_t before = seg.size;
    int err = 0;
    std::string what;
    if (!writeAll(activeFd_, buf_.data() + from, to - from, before, err)) {
        what = "cannot write to " + seg.path + ": " + errnoText(err);
    } else if (opts_.fsync == JournalFsync::Always) {
        if (syncFd(activeFd_, false, err)) {
            localFsyncs_++;
        } else {
            what = "cannot fdatasync " + seg.path + ": " + errnoText(err);
        }
    }
    if (!what.empty()) {
        if (::ftruncate(activeFd_, static_cast<off_t>(before)) != 0) {
            LOG_ERROR("journal: cannot truncate %s back to %llu bytes after a failed write (%s): it is abandoned",
                      seg.path.c_str(), ull(before), errnoText(errno).c_str());
            abandoned_ = true;
        }
        failFlush(first, what);
        return false;
    }
    uint64_t offset = before;
    for (size_t k = first; k < last; k++) {
        seg.addRecord(pending_[k].seq, offset, pending_[k].timeMs, pending_[k].bytes);
        offset += pending_[k].bytes;
    }
    flushedHead_ = pending_[last - 1].seq;
    dirty_ = true;
    return true;
}

bool Journal::flush() {
    if (pending_.empty()) return true;
    size_t i = 0, off = 0;
    while (i < pending_.size()) {
        const JournalSegment &a = segs_.back();
        const uint64_t due = a.empty() ? a.nameSeq : a.lastSeq + 1;
        // A new segment when the record does not follow the active one's
        // last (after a failed flush or setNextSeq: the gap is then between
        // segments), when the active one is full, or cannot be written to.
        if (abandoned_ || activeFd_ < 0 || pending_[i].seq != due ||
            (!a.empty() && a.size + pending_[i].bytes > opts_.segmentBytes)) {
            std::string err;
            if (!startSegment(pending_[i].seq, err)) {
                failFlush(i, err);
                return false;
            }
        }
        // The records that go to this segment: consecutive, and within its size.
        uint64_t size = segs_.back().size + pending_[i].bytes;
        size_t j = i + 1, end = off + pending_[i].bytes;
        while (j < pending_.size() && pending_[j].seq == pending_[j - 1].seq + 1 &&
               size + pending_[j].bytes <= opts_.segmentBytes) {
            size += pending_[j].bytes;
            end += pending_[j].bytes;
            j++;
        }
        if (!writePart(off, end, i, j)) return false;
        i = j;
        off = end;
    }
    if (failing_) {
        LOG_NOTICE("journal: writes to %s succeed again", opts_.dir.c_str());
        failing_ = false;
    }
    buf_.clear();
    if (buf_.capacity() > kIdleBufferKeep) buf_.shrink_to_fit();
    pending_.clear();
    return true;
}

void Journal::pollSyncer() {
    const uint64_t failures = syncer_.failures();
    if (failures == syncFailuresSeen_) return;
    writeErrors_ += failures - syncFailuresSeen_;
    syncFailuresSeen_ = failures;
    lastError_ = syncer_.lastError();
    LOG_ERROR("journal %s: %s", opts_.dir.c_str(), lastError_.c_str());
}

void Journal::syncIfDue(uint64_t nowMs) {
    if (!open_) return;
    pollSyncer();
    if (opts_.fsync != JournalFsync::Everysec || !dirty_ || activeFd_ < 0) return;
    if (lastSyncRequestMs_ != 0 && nowMs >= lastSyncRequestMs_ && nowMs - lastSyncRequestMs_ < 1000) return;
    if (syncer_.activePending()) return;  // still syncing the last second's writes: this one waits
    int fd = ::fcntl(activeFd_, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        LOG_WARN("journal: cannot dup a segment descriptor to sync it: %s", errnoText(errno).c_str());
        return;
    }
    syncer_.submit(fd, JournalSyncer::Kind::Active);
    dirty_ = false;
    lastSyncRequestMs_ = nowMs;
}

void Journal::waitForSync() { syncer_.waitIdle(); }

void Journal::retire(uint64_t upTo) {
    if (!open_) return;
    const JournalSegment &a = segs_.back();
    if (!a.empty() && a.lastSeq <= upTo && a.size > kRetireRotateBytes) {
        std::string err;
        if (!startSegment(nextToWrite(), err)) LOG_WARN("journal: cannot start a new segment: %s", err.c_str());
    }
    while (segs_.size() > 1 && (segs_.front().empty() || segs_.front().lastSeq <= upTo)) removeSegment(0);
}

void Journal::setNextSeq(uint64_t next) {
    if (!open_ || next <= head_ + 1) return;
    head_ = next - 1;
    if (!pending_.empty()) return;  // the record `next` starts a segment when flushed (flush())
    const JournalSegment &a = segs_.back();
    if (a.empty() && a.nameSeq == next) return;
    std::string err;
    if (!startSegment(next, err)) LOG_WARN("journal: cannot start a segment at seq %llu: %s", ull(next), err.c_str());
}

uint64_t Journal::firstSeq() const {
    for (const JournalSegment &s : segs_) {
        if (!s.empty()) return s.firstSeq;
    }
    return head_ + 1;
}

bool Journal::hasAllFrom(uint64_t from) const {
    if (from < firstSeq()) return false;
    const JournalSegment *prev = nullptr;
    for (const JournalSegment &s : segs_) {
        if (s.empty()) continue;
        if (prev != nullptr && s.firstSeq != prev->lastSeq + 1 && s.firstSeq - 1 >= from) return false;
        prev = &s;
    }
    // Seqs above the last flushed one and below the first buffered one were
    // dropped by a failed flush (or skipped by setNextSeq).
    const uint64_t next = nextToWrite();
    return !(next > flushedHead_ + 1 && next - 1 >= from);
}

uint64_t Journal::bytes() const {
    uint64_t n = 0;
    for (const JournalSegment &s : segs_) n += s.size;
    return n;
}

uint64_t Journal::oldestTimeAfter(uint64_t afterSeq) const {
    for (const JournalSegment &s : segs_) {
        if (s.empty() || s.lastSeq <= afterSeq) continue;
        if (s.firstSeq > afterSeq) return s.index.front().timeMs;
        return s.entryAtOrBefore(afterSeq + 1).timeMs;
    }
    return 0;
}

uint64_t Journal::bytesAfter(uint64_t afterSeq) const {
    uint64_t n = 0;
    for (const JournalSegment &s : segs_) {
        if (s.empty() || s.lastSeq <= afterSeq) continue;
        if (s.firstSeq > afterSeq) {
            n += s.size - kJournalSegmentHeader;
        } else {
            n += s.size - s.entryAtOrBefore(afterSeq + 1).offset;
        }
    }
    return n;
}

}  // namespace dbsync
