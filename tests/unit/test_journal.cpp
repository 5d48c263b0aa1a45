// The journal's storage (daemon/journal.hpp, journal_reader.hpp,
// journal_state.hpp): what is flushed is read back after a restart, damage
// is cut off with a warning, failed writes leave the files as they were
// and show up as a gap, segments rotate and retire, one dbsyncd per
// directory. Each test works in its own directory under /tmp.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "journal.hpp"
#include "journal_reader.hpp"
#include "journal_state.hpp"
#include "temp_dir.hpp"

using namespace dbsync;
namespace fs = std::filesystem;

namespace {

using dbsync::test::TempDir;

JournalOptions options(const std::string &dir, JournalFsync fsync = JournalFsync::No, uint64_t segmentBytes = 16 << 20) {
    JournalOptions o;
    o.dir = dir;
    o.fsync = fsync;
    o.segmentBytes = segmentBytes;
    return o;
}

std::string payload(uint64_t i, size_t size = 30) {
    std::string p = "*2\r\n$4\r\nINCR\r\n$" + std::to_string(i) + "\r\n";
    p.resize(std::max(size, p.size()), 'p');
    return p;
}

struct Read {
    uint64_t seq;
    uint64_t timeMs;
    uint8_t flags;
    std::string payload;
};

// Everything a reader returns from `from` until End: records, and a gap
// as {first seq, 0, 0xff, "gap to <last>"}.
std::vector<Read> readAll(const Journal &j, uint64_t from) {
    std::vector<Read> out;
    JournalReader r(j, from);
    for (;;) {
        JournalRecord rec;
        JournalReader::Result res = r.next(rec);
        if (res == JournalReader::Result::End) break;
        if (res == JournalReader::Result::Error) {
            ADD_FAILURE() << "reader error: " << r.error();
            break;
        }
        if (res == JournalReader::Result::Gap) {
            EXPECT_EQ(r.nextSeq(), r.gapLast() + 1);
            out.push_back({r.gapFirst(), 0, 0xff, "gap to " + std::to_string(r.gapLast())});
            continue;
        }
        out.push_back({rec.seq, rec.timeMs, rec.flags, std::string(rec.payload)});
    }
    return out;
}

std::vector<uint64_t> seqs(const std::vector<Read> &reads) {
    std::vector<uint64_t> out;
    for (const Read &r : reads) out.push_back(r.seq);
    return out;
}

std::vector<uint64_t> range(uint64_t first, uint64_t last) {
    std::vector<uint64_t> out;
    for (uint64_t s = first; s <= last; s++) out.push_back(s);
    return out;
}

std::vector<std::string> segmentFiles(const std::string &dir) {
    std::vector<std::string> out;
    for (const auto &e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename();
        if (name.rfind("segment-", 0) == 0) out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

uint64_t fileSize(const std::string &path) { return fs::file_size(path); }

void appendN(Journal &j, uint64_t n, size_t size = 30) {
    for (uint64_t i = 0; i < n; i++) ASSERT_NE(j.append(payload(j.head() + 1, size), 0, 1000 + j.head()), 0u);
}

void openOrFail(Journal &j, const JournalOptions &o) {
    std::string error;
    ASSERT_TRUE(j.open(o, error)) << error;
}

}  // namespace

TEST(Journal, FlushedRecordsReadBackAfterReopen) {
    TempDir dir;
    std::vector<Read> written;
    {
        Journal j;
        openOrFail(j, options(dir.path()));
        EXPECT_EQ(j.head(), 0u);
        EXPECT_EQ(j.firstSeq(), 1u);
        for (uint64_t i = 1; i <= 100; i++) {
            const uint8_t flags = static_cast<uint8_t>(i % 4);
            const std::string p = payload(i, i * 7);
            EXPECT_EQ(j.append(p, flags, 1700000000000 + i), i);
            written.push_back({i, 1700000000000 + i, flags, p});
        }
        EXPECT_EQ(j.head(), 100u);
        EXPECT_EQ(j.flushedHead(), 0u);
        EXPECT_TRUE(readAll(j, 1).empty()) << "nothing is visible before flush";
        EXPECT_TRUE(j.flush());
        EXPECT_EQ(j.flushedHead(), 100u);
        EXPECT_EQ(j.bufferedRecords(), 0u);
        EXPECT_TRUE(j.flush()) << "nothing buffered";
    }
    Journal j;
    openOrFail(j, options(dir.path()));
    EXPECT_EQ(j.head(), 100u);
    EXPECT_EQ(j.flushedHead(), 100u);
    EXPECT_EQ(j.firstSeq(), 1u);
    EXPECT_EQ(j.truncations(), 0u);
    std::vector<Read> got = readAll(j, 1);
    ASSERT_EQ(got.size(), written.size());
    for (size_t i = 0; i < got.size(); i++) {
        EXPECT_EQ(got[i].seq, written[i].seq);
        EXPECT_EQ(got[i].timeMs, written[i].timeMs);
        EXPECT_EQ(got[i].flags, written[i].flags);
        EXPECT_EQ(got[i].payload, written[i].payload);
    }
    EXPECT_EQ(seqs(readAll(j, 57)), range(57, 100)) << "from the middle";
    EXPECT_EQ(j.append("next", 0, 1), 101u);
    EXPECT_EQ(j.bytes(), fileSize(dir.sub(segmentFiles(dir.path()).at(0))));
}

TEST(Journal, ReaderSeesLaterFlushes) {
    TempDir dir;
    Journal j;
    openOrFail(j, options(dir.path()));
    JournalReader r(j, 1);
    JournalRecord rec;
    EXPECT_EQ(r.next(rec), JournalReader::Result::End);
    j.append("one", 0, 1);
    EXPECT_EQ(r.next(rec), JournalReader::Result::End) << "buffered is not flushed";
    ASSERT_TRUE(j.flush());
    ASSERT_EQ(r.next(rec), JournalReader::Result::Record);
    EXPECT_EQ(rec.payload, "one");
    EXPECT_EQ(r.next(rec), JournalReader::Result::End);
    j.append("two", 0, 2);
    ASSERT_TRUE(j.flush());
    ASSERT_EQ(r.next(rec), JournalReader::Result::Record);
    EXPECT_EQ(rec.seq, 2u);
    EXPECT_EQ(rec.payload, "two");
    EXPECT_EQ(r.nextSeq(), 3u);
}

TEST(Journal, RefusesOversizeRecordsAndUnknownFlags) {
    TempDir dir;
    Journal j;
    JournalOptions o = options(dir.path());
    o.maxRecordBytes = 100;
    EXPECT_EQ(j.append("x", 0, 1), 0u) << "not open";
    openOrFail(j, o);
    EXPECT_EQ(j.append(std::string(101, 'x'), 0, 1), 0u);
    EXPECT_EQ(j.append("x", 8, 1), 0u);
    EXPECT_EQ(j.head(), 0u);
    EXPECT_EQ(j.append(std::string(100, 'x'), 0, 1), 1u);
}

TEST(Journal, LargeRecordsPastTheReadChunk) {
    TempDir dir;
    const std::string big(JournalSegmentScanner::kChunk * 2 + 123, 'B');
    {
        Journal j;
        openOrFail(j, options(dir.path()));
        j.append("small", 0, 1);
        j.append(big, 0, 2);
        j.append("small again", 0, 3);
        ASSERT_TRUE(j.flush());
    }
    Journal j;
    openOrFail(j, options(dir.path()));
    EXPECT_EQ(j.truncations(), 0u);
    std::vector<Read> got = readAll(j, 1);
    ASSERT_EQ(seqs(got), range(1, 3));
    EXPECT_EQ(got[1].payload, big);
    EXPECT_EQ(got[2].payload, "small again");
}

TEST(Journal, TornLastRecordIsCutAtEveryOffset) {
    TempDir top;
    // A crash mid-write leaves any prefix of the last record.
    const std::string dir0 = top.sub("template");
    uint64_t lastStart = 0, end = 0;
    {
        Journal j;
        openOrFail(j, options(dir0));
        appendN(j, 4);
        ASSERT_TRUE(j.flush());
        lastStart = j.bytes();
        j.append(payload(5, 40), 0, 5);
        ASSERT_TRUE(j.flush());
        end = j.bytes();
    }
    const std::string seg = journalSegmentName(1);
    for (uint64_t cut = lastStart + 1; cut < end; cut++) {
        const std::string dir = top.sub("cut" + std::to_string(cut));
        fs::create_directory(dir);
        fs::copy_file(dir0 + "/" + seg, dir + "/" + seg);
        fs::resize_file(dir + "/" + seg, cut);
        Journal j;
        const bool capture = cut == lastStart + 1;
        if (capture) ::testing::internal::CaptureStderr();
        std::string error;
        const bool opened = j.open(options(dir), error);
        if (capture) {
            const std::string log = ::testing::internal::GetCapturedStderr();
            EXPECT_NE(log.find("warning: journal: " + dir + "/" + seg), std::string::npos) << log;
            EXPECT_NE(log.find("offset " + std::to_string(lastStart)), std::string::npos) << log;
            EXPECT_NE(log.find("1 record(s) dropped"), std::string::npos) << log;
        }
        ASSERT_TRUE(opened) << error;
        EXPECT_EQ(j.truncations(), 1u) << cut;
        EXPECT_EQ(j.truncatedRecords(), 1u) << cut;
        EXPECT_EQ(j.head(), 4u) << cut;
        EXPECT_EQ(fileSize(dir + "/" + seg), lastStart) << "cut at the last good record";
        EXPECT_EQ(seqs(readAll(j, 1)), range(1, 4)) << cut;
        EXPECT_EQ(j.append("after", 0, 6), 5u) << "appends follow the last good seq";
        ASSERT_TRUE(j.flush());
        EXPECT_EQ(readAll(j, 5).at(0).payload, "after");
    }
}

TEST(Journal, FlippedByteCutsThereAndDropsLaterSegments) {
    TempDir dir;
    std::vector<std::string> files;
    uint64_t seg2First = 0, seg3Records = 0;
    {
        Journal j;
        openOrFail(j, options(dir.path(), JournalFsync::No, 16 + 10 * 55));
        appendN(j, 30, 30);  // 55-byte records, 10 a segment
        ASSERT_TRUE(j.flush());
        files = segmentFiles(dir.path());
        ASSERT_EQ(files.size(), 3u);
        ASSERT_TRUE(parseJournalSegmentName(files[1], seg2First));
        seg3Records = j.head() - 20;
    }
    EXPECT_EQ(seg2First, 11u);
    // Flip one payload byte of the 4th record of segment 2 (seq 14).
    {
        std::fstream f(dir.sub(files[1]), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(16 + 3 * 55 + 30);
        f.put('!');
    }
    ::testing::internal::CaptureStderr();
    Journal j;
    openOrFail(j, options(dir.path()));
    const std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(log.find(files[1] + ": corrupt record: truncated at offset " + std::to_string(16 + 3 * 55)),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("1 later segment(s) deleted"), std::string::npos) << log;
    EXPECT_EQ(j.truncations(), 1u);
    // Seqs 14 to 20 of segment 2 (laid out by their lengths) and all of segment 3.
    EXPECT_EQ(j.truncatedRecords(), 7 + seg3Records);
    EXPECT_EQ(j.head(), 13u);
    EXPECT_EQ(segmentFiles(dir.path()), std::vector<std::string>(files.begin(), files.begin() + 2));
    EXPECT_EQ(seqs(readAll(j, 1)), range(1, 13));
    EXPECT_EQ(j.append("x", 0, 1), 14u);
}

TEST(Journal, BadHeaderAndBackwardsSegmentsAreDeleted) {
    TempDir dir;
    {
        Journal j;
        openOrFail(j, options(dir.path(), JournalFsync::No, 16 + 5 * 55));
        appendN(j, 15, 30);
        ASSERT_TRUE(j.flush());
    }
    ASSERT_EQ(segmentFiles(dir.path()).size(), 3u);
    // Segment 2's header names another seq than its file name.
    {
        std::fstream f(dir.sub(journalSegmentName(6)), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(8);
        f.put(7);
    }
    Journal j;
    openOrFail(j, options(dir.path()));
    EXPECT_EQ(j.truncations(), 1u);
    EXPECT_EQ(j.truncatedRecords(), 10u) << "segment 2's and 3's records";
    EXPECT_EQ(segmentFiles(dir.path()), std::vector<std::string>{journalSegmentName(1)});
    EXPECT_EQ(j.head(), 5u);
}

TEST(Journal, RotatesBySegmentBytesWithoutSplittingRecords) {
    TempDir dir;
    Journal j;
    openOrFail(j, options(dir.path(), JournalFsync::No, 200));
    appendN(j, 10, 25);  // 50-byte records: 3 in a segment of 16 + 150 bytes
    ASSERT_TRUE(j.flush());
    EXPECT_EQ(segmentFiles(dir.path()),
              (std::vector<std::string>{journalSegmentName(1), journalSegmentName(4), journalSegmentName(7),
                                        journalSegmentName(10)}));
    for (const std::string &f : segmentFiles(dir.path())) EXPECT_LE(fileSize(dir.sub(f)), 200u) << f;
    EXPECT_EQ(j.segments(), 4u);
    EXPECT_EQ(j.bytes(), 4 * 16 + 10 * 50u);
    // A record larger than a segment gets one of its own.
    j.append(std::string(500, 'L'), 0, 1);
    appendN(j, 1, 25);
    ASSERT_TRUE(j.flush());
    EXPECT_EQ(segmentFiles(dir.path()).back(), journalSegmentName(12));
    EXPECT_EQ(fileSize(dir.sub(journalSegmentName(11))), 16 + 25 + 500u);
    EXPECT_EQ(seqs(readAll(j, 1)), range(1, 12));
    EXPECT_TRUE(j.hasAllFrom(1));
}

TEST(Journal, RetireDeletesOnlyFullyRetiredFinishedSegments) {
    TempDir dir;
    Journal j;
    openOrFail(j, options(dir.path(), JournalFsync::No, 200));
    appendN(j, 9, 25);  // segments 1-3, 4-6, 7-9
    ASSERT_TRUE(j.flush());
    ASSERT_EQ(j.segments(), 3u);
    j.retire(2);
    EXPECT_EQ(j.segments(), 3u) << "segment 1 still holds seq 3";
    j.retire(5);
    EXPECT_EQ(segmentFiles(dir.path()), (std::vector<std::string>{journalSegmentName(4), journalSegmentName(7)}));
    EXPECT_EQ(j.firstSeq(), 4u);
    EXPECT_FALSE(j.hasAllFrom(3));
    EXPECT_TRUE(j.hasAllFrom(4));
    j.retire(9);
    EXPECT_EQ(segmentFiles(dir.path()), std::vector<std::string>{journalSegmentName(7)}) << "never the active one";
    EXPECT_EQ(j.firstSeq(), 7u);
    appendN(j, 1, 25);
    ASSERT_TRUE(j.flush());
    EXPECT_EQ(seqs(readAll(j, 7)), range(7, 10));
}

TEST(Journal, RetireOfEverythingRotatesALargeActiveSegment) {
    TempDir dir;
    Journal j;
    openOrFail(j, options(dir.path()));
    appendN(j, 5, 300 * 1024);
    ASSERT_TRUE(j.flush());
    ASSERT_GT(j.bytes(), 1u << 20);
    j.retire(4);
    EXPECT_EQ(j.segments(), 1u) << "not everything retired: no rotation";
    j.retire(5);
    EXPECT_EQ(segmentFiles(dir.path()), std::vector<std::string>{journalSegmentName(6)});
    EXPECT_EQ(j.bytes(), 16u);
    EXPECT_EQ(j.firstSeq(), 6u);
    EXPECT_EQ(j.flushedHead(), 5u);
    EXPECT_TRUE(j.hasAllFrom(6));
    JournalRecord rec;
    JournalReader r(j, 6);
    EXPECT_EQ(r.next(rec), JournalReader::Result::End);
    EXPECT_EQ(j.append("x", 0, 1), 6u);
    ASSERT_TRUE(j.flush());
    EXPECT_EQ(r.next(rec), JournalReader::Result::Record);
    EXPECT_EQ(rec.seq, 6u);
}

TEST(Journal, ReaderReportsRetiredSegmentsAsAGap) {
    TempDir dir;
    Journal j;
    openOrFail(j, options(dir.path(), JournalFsync::No, 200));
    appendN(j, 9, 25);
    ASSERT_TRUE(j.flush());
    JournalReader r(j, 1);
    JournalRecord rec;
    ASSERT_EQ(r.next(rec), JournalReader::Result::Record);
    j.retire(4);  // deletes the file the reader has open
    ASSERT_EQ(r.next(rec), JournalReader::Result::Gap);
    EXPECT_EQ(r.gapFirst(), 2u);
    EXPECT_EQ(r.gapLast(), 3u);
    EXPECT_EQ(r.nextSeq(), 4u);
    ASSERT_EQ(r.next(rec), JournalReader::Result::Record);
    EXPECT_EQ(rec.seq, 4u) << "retire(4) keeps segment 4-6";
    // A reader from before anything kept.
    EXPECT_EQ(seqs(readAll(j, 2)), (std::vector<uint64_t>{2, 4, 5, 6, 7, 8, 9}));
}

namespace {

// RLIMIT_FSIZE for this process while in scope, SIGXFSZ ignored: a write
// past the limit then fails with EFBIG instead of killing the process.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t limit) {
        ::getrlimit(RLIMIT_FSIZE, &saved_);
        oldHandler_ = std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = saved_;
        rl.rlim_cur = limit;
        EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &rl), 0);
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &saved_);
        std::signal(SIGXFSZ, oldHandler_);
    }

private:
    struct rlimit saved_;
    void (*oldHandler_)(int);
};

}  // namespace

TEST(Journal, FailedWriteIsUndoneCountedAndReadAsAGap) {
    TempDir dir;
    const std::string seg1 = dir.sub(journalSegmentName(1));
    auto first = std::make_unique<Journal>();
    Journal &j = *first;
    openOrFail(j, options(dir.path(), JournalFsync::Always));
    appendN(j, 3);
    ASSERT_TRUE(j.flush());
    const uint64_t before = fileSize(seg1);
    const uint64_t fsyncs = j.fsyncs();
    {
        // Room for 10 more bytes: the write is short, then fails (EFBIG).
        FileSizeLimit limit(before + 10);
        appendN(j, 2);
        ::testing::internal::CaptureStderr();
        EXPECT_FALSE(j.flush());
        const std::string log = ::testing::internal::GetCapturedStderr();
        EXPECT_NE(log.find("2 record(s) not journaled (seqs 4-5)"), std::string::npos) << log;
        EXPECT_EQ(fileSize(seg1), before) << "truncated back";
        EXPECT_EQ(j.fsyncs(), fsyncs) << "no fdatasync for what failed";
        EXPECT_EQ(j.writeErrors(), 1u);
        EXPECT_EQ(j.recordsNotJournaled(), 2u);
        EXPECT_NE(j.lastError().find("File too large"), std::string::npos) << j.lastError();
        EXPECT_EQ(j.flushedHead(), 3u);
        EXPECT_EQ(j.head(), 5u);
        EXPECT_EQ(j.bufferedRecords(), 0u) << "dropped";
        EXPECT_FALSE(j.hasAllFrom(1));
        EXPECT_FALSE(j.hasAllFrom(5));
        EXPECT_TRUE(j.hasAllFrom(6));
        // Still failing (in a new segment, past the limit too): counted again.
        appendN(j, 1, 400);
        EXPECT_FALSE(j.flush());
        EXPECT_EQ(j.writeErrors(), 2u);
        EXPECT_EQ(j.recordsNotJournaled(), 3u);
        EXPECT_FALSE(j.hasAllFrom(6));
    }
    // Space is back: the next flush works, in a segment of its own.
    EXPECT_EQ(j.append("seven", 0, 7), 7u);
    EXPECT_EQ(j.append("eight", 0, 8), 8u);
    ASSERT_TRUE(j.flush());
    EXPECT_GT(j.fsyncs(), fsyncs);
    EXPECT_EQ(segmentFiles(dir.path()), (std::vector<std::string>{journalSegmentName(1), journalSegmentName(7)}));
    EXPECT_EQ(j.flushedHead(), 8u);
    EXPECT_FALSE(j.hasAllFrom(1));
    EXPECT_FALSE(j.hasAllFrom(6));
    EXPECT_TRUE(j.hasAllFrom(7));
    const std::vector<Read> got = readAll(j, 1);
    EXPECT_EQ(seqs(got), (std::vector<uint64_t>{1, 2, 3, 4, 7, 8}));
    EXPECT_EQ(got.at(3).payload, "gap to 6");
    // After a restart the gap is read from the segments.
    first.reset();
    std::string error;
    Journal again;
    ASSERT_TRUE(again.open(options(dir.path()), error)) << error;
    EXPECT_EQ(again.truncations(), 0u);
    EXPECT_EQ(again.head(), 8u);
    EXPECT_FALSE(again.hasAllFrom(4));
    EXPECT_TRUE(again.hasAllFrom(7));
    EXPECT_EQ(seqs(readAll(again, 2)), (std::vector<uint64_t>{2, 3, 4, 7, 8}));
}

TEST(Journal, FullFilesystemFailsFlushUntilSpaceIsBack) {
    TempDir dir;
    const std::string mnt = dir.sub("tmpfs");
    fs::create_directory(mnt);
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64k") != 0) {
        GTEST_SKIP() << "cannot mount a tmpfs (needs root): " << std::strerror(errno);
    }
    struct Unmount {
        std::string path;
        ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
    } unmount{mnt};
    {
        Journal j;
        openOrFail(j, options(mnt + "/journal", JournalFsync::Always, 16 << 10));
        bool failed = false;
        uint64_t lastGood = 0;
        for (int i = 0; i < 100 && !failed; i++) {
            appendN(j, 1, 3000);
            ::testing::internal::CaptureStderr();
            failed = !j.flush();
            ::testing::internal::GetCapturedStderr();
            if (!failed) lastGood = j.head();
        }
        ASSERT_TRUE(failed) << "a 64k tmpfs filled up";
        EXPECT_EQ(j.writeErrors(), 1u);
        EXPECT_EQ(j.recordsNotJournaled(), 1u);
        EXPECT_NE(j.lastError().find("No space left on device"), std::string::npos) << j.lastError();
        EXPECT_EQ(j.flushedHead(), lastGood);
        uint64_t onDisk = 0;
        for (const std::string &f : segmentFiles(mnt + "/journal")) onDisk += fileSize(mnt + "/journal/" + f);
        EXPECT_EQ(onDisk, j.bytes()) << "nothing of the failed write is left in the files";
        // Every database applied everything: retiring frees the space.
        j.retire(j.head());
        const uint64_t seq = j.append("again", 0, 1);
        EXPECT_EQ(seq, lastGood + 2) << "the dropped seq is not reused";
        ASSERT_TRUE(j.flush()) << j.lastError();
        EXPECT_EQ(seqs(readAll(j, seq)), std::vector<uint64_t>{seq});
        EXPECT_FALSE(j.hasAllFrom(seq - 1));
        EXPECT_TRUE(j.hasAllFrom(seq));
    }
}

TEST(Journal, SetNextSeqStartsTheNextSegmentThere) {
    TempDir dir;
    {
        Journal j;
        openOrFail(j, options(dir.path()));
        j.setNextSeq(100);
        EXPECT_EQ(j.head(), 99u);
        EXPECT_EQ(j.firstSeq(), 100u);
        EXPECT_EQ(segmentFiles(dir.path()), std::vector<std::string>{journalSegmentName(100)});
        j.setNextSeq(50);
        EXPECT_EQ(j.head(), 99u) << "never backwards";
        EXPECT_TRUE(j.hasAllFrom(100));
        EXPECT_FALSE(j.hasAllFrom(99));
    }
    Journal j;
    openOrFail(j, options(dir.path()));
    EXPECT_EQ(j.head(), 99u) << "kept across a restart by the segment's name";
    EXPECT_EQ(j.append("a", 0, 1), 100u);
    ASSERT_TRUE(j.flush());
    // On a journal with records the seqs skipped are a gap.
    j.setNextSeq(200);
    EXPECT_FALSE(j.hasAllFrom(100));
    EXPECT_TRUE(j.hasAllFrom(200));
    EXPECT_EQ(j.append("b", 0, 2), 200u);
    ASSERT_TRUE(j.flush());
    const std::vector<Read> got = readAll(j, 100);
    EXPECT_EQ(seqs(got), (std::vector<uint64_t>{100, 101, 200}));
    EXPECT_EQ(got.at(1).payload, "gap to 199");
    // Also with records buffered: the skip waits for the flush.
    j.append("c", 0, 3);
    j.setNextSeq(300);
    j.append("d", 0, 4);
    ASSERT_TRUE(j.flush());
    EXPECT_EQ(seqs(readAll(j, 200)), (std::vector<uint64_t>{200, 201, 202, 300}));
}

TEST(Journal, BytesAndTimesAfterASeq) {
    TempDir dir;
    Journal j;
    openOrFail(j, options(dir.path(), JournalFsync::No, 16 + 100 * 75));
    for (uint64_t i = 1; i <= 300; i++) j.append(payload(i, 50), 0, 5000 + i);  // 75-byte records
    ASSERT_TRUE(j.flush());
    ASSERT_EQ(j.segments(), 3u);
    EXPECT_EQ(j.bytesAfter(0), 300 * 75u);
    EXPECT_EQ(j.bytesAfter(300), 0u);
    EXPECT_EQ(j.bytesAfter(100), 200 * 75u) << "exact at a segment boundary";
    const uint64_t mid = j.bytesAfter(150);
    EXPECT_GE(mid, 150 * 75u);
    EXPECT_LE(mid, 150 * 75u + JournalSegment::kIndexStep);
    EXPECT_EQ(j.oldestTimeAfter(0), 5001u);
    EXPECT_EQ(j.oldestTimeAfter(100), 5101u);
    EXPECT_LE(j.oldestTimeAfter(150), 5151u);
    EXPECT_GE(j.oldestTimeAfter(150), 5151u - JournalSegment::kIndexStep / 75);
    EXPECT_EQ(j.oldestTimeAfter(300), 0u);
    j.retire(200);
    EXPECT_EQ(j.oldestTimeAfter(0), 5201u);
    EXPECT_EQ(j.bytesAfter(0), 100 * 75u);
}

TEST(Journal, SecondOpenOnTheSameDirectoryFails) {
    TempDir dir;
    auto first = std::make_unique<Journal>();
    openOrFail(*first, options(dir.path()));
    Journal second;
    std::string error;
    EXPECT_FALSE(second.open(options(dir.path()), error));
    EXPECT_NE(error.find(dir.path()), std::string::npos) << error;
    EXPECT_NE(error.find("in use"), std::string::npos) << error;
    first.reset();
    Journal third;
    EXPECT_TRUE(third.open(options(dir.path()), error)) << error;
}

TEST(Journal, UnusableDirectoriesFailToOpen) {
    TempDir dir;
    std::string error;
    {
        Journal j;
        EXPECT_FALSE(j.open(options(dir.sub("missing/parent")), error));
        EXPECT_NE(error.find("cannot create journal directory " + dir.sub("missing/parent")), std::string::npos)
            << error;
    }
    {
        std::ofstream(dir.sub("file")) << "x";
        Journal j;
        EXPECT_FALSE(j.open(options(dir.sub("file")), error));
        EXPECT_NE(error.find("is not a directory"), std::string::npos) << error;
    }
    {
        Journal j;
        EXPECT_TRUE(j.open(options(dir.sub("made")), error)) << error;
        EXPECT_EQ(fs::status(dir.sub("made")).permissions() & fs::perms::all, fs::perms::owner_all);
    }
}

TEST(Journal, EverysecSyncsOnTheThreadAtMostOnceASecond) {
    TempDir dir;
    Journal j;
    openOrFail(j, options(dir.path(), JournalFsync::Everysec));
    j.waitForSync();
    const uint64_t start = j.fsyncs();
    j.syncIfDue(10000);
    j.waitForSync();
    EXPECT_EQ(j.fsyncs(), start) << "nothing written";
    appendN(j, 3);
    ASSERT_TRUE(j.flush());
    EXPECT_EQ(j.fsyncs(), start) << "everysec: not in flush";
    j.syncIfDue(10000);
    j.waitForSync();
    EXPECT_EQ(j.fsyncs(), start + 1);
    appendN(j, 1);
    ASSERT_TRUE(j.flush());
    j.syncIfDue(10999);
    j.waitForSync();
    EXPECT_EQ(j.fsyncs(), start + 1) << "less than a second since the last";
    j.syncIfDue(11000);
    j.waitForSync();
    EXPECT_EQ(j.fsyncs(), start + 2);
    EXPECT_EQ(j.writeErrors(), 0u);
    appendN(j, 1);
    ASSERT_TRUE(j.flush());
    j.syncIfDue(12000);  // the destructor lets it finish and joins
}

TEST(Journal, AlwaysSyncsInFlush) {
    TempDir dir;
    Journal j;
    openOrFail(j, options(dir.path(), JournalFsync::Always));
    const uint64_t start = j.fsyncs();
    appendN(j, 3);
    ASSERT_TRUE(j.flush());
    EXPECT_EQ(j.fsyncs(), start + 1) << "one fdatasync for the group";
    ASSERT_TRUE(j.flush());
    EXPECT_EQ(j.fsyncs(), start + 1) << "nothing to sync";
}

TEST(JournalState, RoundTrips) {
    TempDir dir;
    JournalState st;
    std::string error;
    ASSERT_TRUE(loadJournalState(dir.path(), st, error)) << error;
    EXPECT_EQ(st.instance.size(), 16u);
    EXPECT_EQ(st.instance.find_first_not_of("0123456789abcdef"), std::string::npos) << st.instance;
    EXPECT_FALSE(fs::exists(dir.sub("state"))) << "a fresh state is not saved by loading";
    JournalState other;
    ASSERT_TRUE(loadJournalState(dir.path(), other, error));
    EXPECT_NE(other.instance, st.instance) << "random";

    st.head = 123;
    st.databases["127.0.0.1:6380/0"] = {100, false};
    st.databases["[::1]:6381/2"] = {UINT64_MAX, true};
    ASSERT_TRUE(saveJournalState(dir.path(), st, error)) << error;
    EXPECT_FALSE(fs::exists(dir.sub("state.tmp")));
    JournalState back;
    ASSERT_TRUE(loadJournalState(dir.path(), back, error)) << error;
    EXPECT_EQ(back.instance, st.instance);
    EXPECT_EQ(back.head, 123u);
    ASSERT_EQ(back.databases.size(), 2u);
    EXPECT_EQ(back.databases["127.0.0.1:6380/0"].applied, 100u);
    EXPECT_FALSE(back.databases["127.0.0.1:6380/0"].diverged);
    EXPECT_EQ(back.databases["[::1]:6381/2"].applied, UINT64_MAX);
    EXPECT_TRUE(back.databases["[::1]:6381/2"].diverged);
    std::ifstream in(dir.sub("state"));
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first, "instance " + st.instance);
}

TEST(JournalState, MalformedFileIsAnErrorNamingFileAndLine) {
    TempDir dir;
    std::string error;
    JournalState st;
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"instance 0123456789abcdef\nhead x\n", "state:2"},
        {"instance 0123456789abcdef\ndatabase a applied 1\n", "state:2"},
        {"instance 0123456789abcdef\ndatabase a applied 1 diverged 2\n", "state:2"},
        {"instance 0123456789abcdef\n\ndatabase a applied 1 diverged 0\ndatabase a applied 2 diverged 0\n", "state:4"},
        {"instance xyz\n", "state:1"},
        {"head 5\n", "no instance line"},
        {"instance 0123456789abcdef\nbogus 1\n", "state:2: unknown item"},
    };
    for (const auto &[text, want] : cases) {
        std::ofstream(dir.sub("state"), std::ios::trunc) << text;
        EXPECT_FALSE(loadJournalState(dir.path(), st, error)) << text;
        EXPECT_NE(error.find(dir.sub("state")), std::string::npos) << error;
        EXPECT_NE(error.find(want), std::string::npos) << error;
    }
    JournalState spaced;
    spaced.instance = "0123456789abcdef";
    spaced.databases["has space"] = {};
    EXPECT_FALSE(saveJournalState(dir.path(), spaced, error));
    EXPECT_NE(error.find("has space"), std::string::npos) << error;
}
