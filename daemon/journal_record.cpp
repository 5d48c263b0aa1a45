#include "journal_record.hpp"

#include <isa-l/crc.h>

namespace dbsync {
namespace {

void putU32(char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = static_cast<char>(v >> (8 * i));
}

void putU64(char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = static_cast<char>(v >> (8 * i));
}

uint32_t getU32(const char *p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    return v;
}

uint64_t getU64(const char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    return v;
}

// CRC-32 (the gzip/zlib polynomial) over seq|timeMs|flags (the header's
// last 17 bytes) then the payload. ISA-L's carry-less-multiply version
// gives zlib's crc32 values about seven times faster: it runs over every
// byte of every write.
uint32_t recordCrc(const char *tail17, const char *payload, size_t len) {
    uint32_t crc = crc32_gzip_refl(0, reinterpret_cast<const unsigned char *>(tail17), 17);
    return crc32_gzip_refl(crc, reinterpret_cast<const unsigned char *>(payload), len);
}

}  // namespace

void appendJournalRecord(std::string &out, uint64_t seq, uint64_t timeMs, uint8_t flags, std::string_view payload) {
    char header[kJournalRecordHeader];
    putU32(header, static_cast<uint32_t>(payload.size()));
    putU64(header + 8, seq);
    putU64(header + 16, timeMs);
    header[24] = static_cast<char>(flags);
    putU32(header + 4, recordCrc(header + 8, payload.data(), payload.size()));
    out.append(header, sizeof header);
    out.append(payload);
}

size_t journalRecordSize(const char *p, size_t n) {
    if (n < 4) return 0;
    return kJournalRecordHeader + getU32(p);
}

JournalDecode decodeJournalRecord(const char *p, size_t n, size_t maxPayload, JournalRecord &rec, size_t &used) {
    if (n < kJournalRecordHeader) {
        // A length that is already too large is Corrupt at once: a reader
        // must not wait for gigabytes that will never be a record.
        if (n >= 4 && getU32(p) > maxPayload) return JournalDecode::Corrupt;
        return JournalDecode::NeedMore;
    }
    const uint32_t len = getU32(p);
    if (len > maxPayload) return JournalDecode::Corrupt;
    const uint8_t flags = static_cast<uint8_t>(p[24]);
    if ((flags & ~kJournalKnownFlags) != 0) return JournalDecode::Corrupt;
    if (n - kJournalRecordHeader < len) return JournalDecode::NeedMore;
    const char *payload = p + kJournalRecordHeader;
    if (recordCrc(p + 8, payload, len) != getU32(p + 4)) return JournalDecode::Corrupt;
    rec.seq = getU64(p + 8);
    rec.timeMs = getU64(p + 16);
    rec.flags = flags;
    rec.payload = std::string_view(payload, len);
    used = kJournalRecordHeader + len;
    return JournalDecode::Ok;
}

}  // namespace dbsync
