// libFuzzer target for the journal's record format (daemon/journal_record)
// and its recovery (Journal::open on a damaged segment, daemon/journal.cpp).
//
// The first input byte picks a mode, the rest are segment bytes:
//   bit 0: before use, rewrite the crc of each record-shaped piece so that
//          the fuzzer gets past the crc to lengths, flags and seqs;
//   bit 1: also number those pieces 1, 2, 3 ... (with bit 0).
// Checked on every input:
//   - decoding back to back from the front (as recovery does) returns
//     records whose re-encoding is exactly their bytes, and every strict
//     prefix of a record needs more;
//   - a Journal opened on a directory whose one segment is a valid header
//     followed by these bytes never crashes, keeps exactly the leading run
//     of good records numbered 1, 2, 3 ... (the file is cut after it), and
//     a reader returns those same records; a record appended then follows
//     them.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>
#include <isa-l/crc.h>

#include "journal.hpp"
#include "journal_reader.hpp"
#include "journal_record.hpp"
#include "journal_segment.hpp"
#include "log.hpp"

namespace {

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            std::fprintf(stderr, "invariant failed: %s (line %d)\n", #cond, __LINE__); \
            std::abort();                                                             \
        }                                                                             \
    } while (0)

using namespace dbsync;

// As recovery decodes (Journal::decodeLimit with the default options).
const size_t kMaxPayload = JournalOptions{}.maxRecordBytes;

uint32_t getU32(const char *p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    return v;
}

void putU32(char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = static_cast<char>(v >> (8 * i));
}

void putU64(char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = static_cast<char>(v >> (8 * i));
}

// Walks the pieces the length fields mark out and makes their crcs right
// (and their seqs consecutive); leaves a piece that runs past the end alone.
void fixRecords(std::string &b, bool renumber) {
    size_t pos = 0;
    uint64_t seq = 1;
    while (b.size() - pos >= kJournalRecordHeader) {
        const size_t len = getU32(b.data() + pos);
        if (len > kMaxPayload || b.size() - pos - kJournalRecordHeader < len) break;
        char *h = b.data() + pos;
        if (renumber) putU64(h + 8, seq++);
        uint32_t crc = crc32_gzip_refl(0, reinterpret_cast<const unsigned char *>(h + 8), 17);
        crc = crc32_gzip_refl(crc, reinterpret_cast<const unsigned char *>(h + kJournalRecordHeader), len);
        putU32(h + 4, crc);
        pos += kJournalRecordHeader + len;
    }
}

struct Kept {
    uint64_t seq;
    uint64_t timeMs;
    uint8_t flags;
    std::string payload;
};

// Decodes back to back; returns the leading run of records numbered 1, 2, 3 ...
std::vector<Kept> decodeAll(const std::string &b) {
    std::vector<Kept> run;
    bool inRun = true;
    size_t pos = 0;
    for (;;) {
        JournalRecord rec;
        size_t used = 0;
        JournalDecode d = decodeJournalRecord(b.data() + pos, b.size() - pos, kMaxPayload, rec, used);
        if (d != JournalDecode::Ok) {
            if (d == JournalDecode::NeedMore) CHECK(b.size() - pos < kJournalRecordHeader + kMaxPayload);
            break;
        }
        CHECK(used == kJournalRecordHeader + rec.payload.size());
        CHECK(used <= b.size() - pos);
        CHECK(rec.payload.data() == b.data() + pos + kJournalRecordHeader);
        CHECK((rec.flags & ~kJournalKnownFlags) == 0);
        std::string again;
        appendJournalRecord(again, rec.seq, rec.timeMs, rec.flags, rec.payload);
        CHECK(again == b.substr(pos, used));
        for (size_t n : {size_t{0}, size_t{1}, kJournalRecordHeader - 1, kJournalRecordHeader, used - 1}) {
            if (n >= used) continue;
            JournalRecord part;
            size_t partUsed = 0;
            CHECK(decodeJournalRecord(again.data(), n, kMaxPayload, part, partUsed) == JournalDecode::NeedMore);
        }
        if (inRun && rec.seq == run.size() + 1) {
            run.push_back({rec.seq, rec.timeMs, rec.flags, std::string(rec.payload)});
        } else {
            inRun = false;
        }
        pos += used;
    }
    return run;
}

void clearDir(const std::string &dir) {
    for (const char *name : {"lock", "state"}) ::unlink((dir + "/" + name).c_str());
    for (uint64_t first : {uint64_t{1}, uint64_t{2}}) ::unlink((dir + "/" + journalSegmentName(first)).c_str());
}

// One directory for the whole run, removed when the fuzzer exits.
std::string g_dir;

const std::string &scratchDir() {
    if (g_dir.empty()) {
        char tmpl[] = "/tmp/fuzz-journal.XXXXXX";
        const char *p = ::mkdtemp(tmpl);
        CHECK(p != nullptr);
        g_dir = p;
        std::atexit([] {
            clearDir(g_dir);
            ::rmdir(g_dir.c_str());
        });
    }
    return g_dir;
}

void writeFile(const std::string &path, const std::string &bytes) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    ::close(fd);
}

void checkRecovery(const std::string &records, const std::vector<Kept> &run) {
    const std::string &dir = scratchDir();
    clearDir(dir);
    char header[kJournalSegmentHeader];
    encodeJournalSegmentHeader(header, 1);
    const std::string path = dir + "/" + journalSegmentName(1);
    writeFile(path, std::string(header, sizeof header) + records);

    JournalOptions opts;
    opts.dir = dir;
    opts.fsync = JournalFsync::No;
    std::string error;
    {
        Journal j;
        CHECK(j.open(opts, error));
        CHECK(j.head() == run.size());
        CHECK(j.flushedHead() == run.size());
        CHECK(j.segments() == 1);
        // Cut exactly after the run, or left whole if it was all the run.
        uint64_t runBytes = kJournalSegmentHeader;
        for (const Kept &k : run) runBytes += kJournalRecordHeader + k.payload.size();
        struct stat st;
        CHECK(::stat(path.c_str(), &st) == 0);
        CHECK(static_cast<uint64_t>(st.st_size) == runBytes);
        CHECK(j.bytes() == runBytes);
        CHECK((j.truncations() == 0) == (runBytes == kJournalSegmentHeader + records.size()));
        CHECK(j.hasAllFrom(1) == true);

        JournalReader r(j, 1);
        for (const Kept &k : run) {
            JournalRecord rec;
            CHECK(r.next(rec) == JournalReader::Result::Record);
            CHECK(rec.seq == k.seq && rec.timeMs == k.timeMs && rec.flags == k.flags && rec.payload == k.payload);
        }
        JournalRecord rec;
        CHECK(r.next(rec) == JournalReader::Result::End);
        CHECK(j.append("tail", 0, 7) == run.size() + 1);
        CHECK(j.flush());
        CHECK(r.next(rec) == JournalReader::Result::Record);
        CHECK(rec.seq == run.size() + 1 && rec.payload == "tail");
    }
    // What recovery kept, plus the record after it, opens clean.
    Journal j;
    CHECK(j.open(opts, error));
    CHECK(j.truncations() == 0);
    CHECK(j.head() == run.size() + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static bool quiet = [] {
        dbsync::log::setLevel(dbsync::log::Level::Error);  // each repair logs a warning
        return true;
    }();
    (void)quiet;
    if (size == 0) return 0;
    const uint8_t mode = data[0];
    std::string bytes(reinterpret_cast<const char *>(data) + 1, size - 1);
    if (mode & 1) fixRecords(bytes, (mode & 2) != 0);
    const std::vector<Kept> run = decodeAll(bytes);
    checkRecovery(bytes, run);
    return 0;
}
