// The journal's record format (daemon/journal_record.hpp) and segment file
// names and headers (daemon/journal_segment.hpp): what is written decodes
// back the same, and any damage is caught rather than decoded.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "journal_record.hpp"
#include "journal_segment.hpp"

using namespace dbsync;

namespace {

constexpr size_t kMax = 1 << 20;

const std::string kSet = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";

std::string encode(uint64_t seq, uint64_t timeMs, uint8_t flags, std::string_view payload) {
    std::string out;
    appendJournalRecord(out, seq, timeMs, flags, payload);
    return out;
}

}  // namespace

TEST(JournalRecord, RoundTripsBackToBack) {
    std::string buf;
    const std::string big(70000, 'x');
    appendJournalRecord(buf, 1, 1700000000123, 0, kSet);
    appendJournalRecord(buf, 2, 1700000000124, kJournalAtomic, "");
    appendJournalRecord(buf, 3, UINT64_MAX, kJournalAtomic | kJournalTransaction, big);
    EXPECT_EQ(buf.size(), 3 * kJournalRecordHeader + kSet.size() + big.size());

    struct Want {
        uint64_t seq, timeMs;
        uint8_t flags;
        std::string payload;
    };
    const std::vector<Want> want = {{1, 1700000000123, 0, kSet},
                                    {2, 1700000000124, kJournalAtomic, ""},
                                    {3, UINT64_MAX, kJournalAtomic | kJournalTransaction, big}};
    size_t pos = 0;
    for (const Want &w : want) {
        JournalRecord rec;
        size_t used = 0;
        ASSERT_EQ(decodeJournalRecord(buf.data() + pos, buf.size() - pos, kMax, rec, used), JournalDecode::Ok);
        EXPECT_EQ(rec.seq, w.seq);
        EXPECT_EQ(rec.timeMs, w.timeMs);
        EXPECT_EQ(rec.flags, w.flags);
        EXPECT_EQ(rec.payload, w.payload);
        EXPECT_EQ(rec.payload.data(), buf.data() + pos + kJournalRecordHeader) << "a view into the buffer";
        EXPECT_EQ(used, kJournalRecordHeader + w.payload.size());
        EXPECT_EQ(journalRecordSize(buf.data() + pos, buf.size() - pos), used);
        pos += used;
    }
    EXPECT_EQ(pos, buf.size());
}

TEST(JournalRecord, LayoutIsLittleEndianAsDocumented) {
    const std::string r = encode(0x0102030405060708ull, 0x1112131415161718ull, kJournalTransaction, "ab");
    ASSERT_EQ(r.size(), 27u);
    EXPECT_EQ(r.substr(0, 4), std::string("\x02\0\0\0", 4));
    EXPECT_EQ(r.substr(8, 8), "\x08\x07\x06\x05\x04\x03\x02\x01");
    EXPECT_EQ(r.substr(16, 8), "\x18\x17\x16\x15\x14\x13\x12\x11");
    EXPECT_EQ(r[24], 2);
    EXPECT_EQ(r.substr(25), "ab");
}

TEST(JournalRecord, EveryByteAndBitFlipIsDetected) {
    const std::string good = encode(42, 1700000000000, kJournalAtomic, kSet);
    for (size_t i = 0; i < good.size(); i++) {
        for (int mask : {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff}) {
            std::string bad = good;
            bad[i] = static_cast<char>(bad[i] ^ mask);
            JournalRecord rec;
            size_t used = 0;
            // Even with bytes after it (the next record), a damaged record never decodes.
            bad += encode(43, 1700000000001, 0, kSet);
            EXPECT_NE(decodeJournalRecord(bad.data(), bad.size(), kMax, rec, used), JournalDecode::Ok)
                << "byte " << i << " xor " << mask;
            bad.resize(good.size());
            EXPECT_NE(decodeJournalRecord(bad.data(), bad.size(), kMax, rec, used), JournalDecode::Ok)
                << "byte " << i << " xor " << mask << " alone";
        }
    }
}

TEST(JournalRecord, TruncatedAtEveryLengthNeedsMore) {
    const std::string good = encode(7, 1, 0, kSet);
    for (size_t n = 0; n < good.size(); n++) {
        JournalRecord rec;
        size_t used = 99;
        EXPECT_EQ(decodeJournalRecord(good.data(), n, kMax, rec, used), JournalDecode::NeedMore) << n;
        EXPECT_EQ(used, 99u) << "untouched on NeedMore";
    }
}

TEST(JournalRecord, LengthOverTheBoundIsCorruptAtOnce) {
    const std::string good = encode(7, 1, 0, std::string(100, 'v'));
    JournalRecord rec;
    size_t used = 0;
    EXPECT_EQ(decodeJournalRecord(good.data(), good.size(), 100, rec, used), JournalDecode::Ok);
    EXPECT_EQ(decodeJournalRecord(good.data(), good.size(), 99, rec, used), JournalDecode::Corrupt);
    // Without waiting for the rest: neither the payload nor the header.
    EXPECT_EQ(decodeJournalRecord(good.data(), kJournalRecordHeader, 99, rec, used), JournalDecode::Corrupt);
    EXPECT_EQ(decodeJournalRecord(good.data(), 4, 99, rec, used), JournalDecode::Corrupt);
    const std::string huge("\xff\xff\xff\xff", 4);
    EXPECT_EQ(decodeJournalRecord(huge.data(), huge.size(), kMax, rec, used), JournalDecode::Corrupt);
}

TEST(JournalRecord, UnknownFlagBitsAreCorruptEvenWithAGoodCrc) {
    for (int flags : {8, 0x10, 0x80, 0xff}) {
        const std::string r = encode(1, 1, static_cast<uint8_t>(flags), "x");
        JournalRecord rec;
        size_t used = 0;
        EXPECT_EQ(decodeJournalRecord(r.data(), r.size(), kMax, rec, used), JournalDecode::Corrupt) << flags;
    }
}

TEST(JournalSegmentName, SortsAndParsesBack) {
    EXPECT_EQ(journalSegmentName(1), "segment-00000000000000000001.journal");
    EXPECT_EQ(journalSegmentName(UINT64_MAX), "segment-18446744073709551615.journal");
    EXPECT_LT(journalSegmentName(99), journalSegmentName(100));
    uint64_t seq = 0;
    EXPECT_TRUE(parseJournalSegmentName(journalSegmentName(12345), seq));
    EXPECT_EQ(seq, 12345u);
    EXPECT_TRUE(parseJournalSegmentName(journalSegmentName(UINT64_MAX), seq));
    EXPECT_EQ(seq, UINT64_MAX);
    for (const char *bad : {"segment-1.journal", "segment-00000000000000000001.journa", "state", "lock",
                            "segment-0000000000000000000x.journal", "segment-99999999999999999999.journal",
                            "xsegment-0000000000000000001.journal"}) {
        EXPECT_FALSE(parseJournalSegmentName(bad, seq)) << bad;
    }
}

TEST(JournalSegmentHeader, RoundTripsAndRejectsOtherMagic) {
    char h[kJournalSegmentHeader];
    encodeJournalSegmentHeader(h, 77);
    EXPECT_EQ(std::string(h, 8), "DBSJRNL1");
    uint64_t seq = 0;
    EXPECT_TRUE(decodeJournalSegmentHeader(h, seq));
    EXPECT_EQ(seq, 77u);
    h[7] = '2';
    EXPECT_FALSE(decodeJournalSegmentHeader(h, seq));
}
