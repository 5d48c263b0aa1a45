// The journal's record format: how one write is laid out on disk, and the
// pure functions that encode and decode it (docs/design.md, "Invariants").
//
// A record is a 25-byte header followed by the payload, little-endian:
//
//   u32 payloadLen | u32 crc | u64 seq | u64 timeMs | u8 flags | payload
//
// crc is CRC-32 (zlib's crc32 values, computed with ISA-L) over the 17 bytes seq|timeMs|flags followed by the
// payload, so a torn write or a flipped byte anywhere but in payloadLen is
// caught by the crc, and a flipped payloadLen by the crc too (the record
// then ends elsewhere) or by the bound on its value. Kept apart from the
// files (journal.hpp) so that it can be fuzzed on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dbsync {

// Flag bits; opaque to the storage layer, which only refuses unknown bits.
constexpr uint8_t kJournalAtomic = 1;
constexpr uint8_t kJournalTransaction = 2;
// A marker alone, for a leader-first command whose leader's reply was lost
// (leader_first.hpp): a database whose marker names it applied the command.
constexpr uint8_t kJournalInDoubt = 4;
constexpr uint8_t kJournalKnownFlags = kJournalAtomic | kJournalTransaction | kJournalInDoubt;

struct JournalRecord {            // a view: payload points into a buffer
    uint64_t seq = 0;             // 1, 2, 3 ... consecutive within a segment
    uint64_t timeMs = 0;          // wall clock (Unix ms) when appended
    uint8_t flags = 0;            // kJournalAtomic, kJournalTransaction, kJournalInDoubt
    std::string_view payload;     // RESP bytes of the command(s)
};

constexpr size_t kJournalRecordHeader = 25;  // u32 payloadLen | u32 crc | u64 seq | u64 timeMs | u8 flags
// The most payloadLen can say.
constexpr size_t kJournalMaxPayloadLen = 0xffffffffu;

// Appends one encoded record to out. payload.size() must not exceed
// kJournalMaxPayloadLen (the caller bounds it, Journal::append).
void appendJournalRecord(std::string &out, uint64_t seq, uint64_t timeMs, uint8_t flags, std::string_view payload);

enum class JournalDecode { Ok, NeedMore, Corrupt };
// Decodes one record from the front of [p, p+n); on Ok sets rec (payload
// points into p) and used. Corrupt: bad crc, payloadLen > maxPayload, or
// unknown flag bits. NeedMore: fewer bytes than the header says (a torn
// tail when at end of file); rec and used are then left alone.
JournalDecode decodeJournalRecord(const char *p, size_t n, size_t maxPayload, JournalRecord &rec, size_t &used);

// Bytes the record at the front of [p, p+n) takes in all (header and
// payload), as its header says; 0 if fewer than 4 bytes are there. Lets a
// reader know how much to read before decoding again after NeedMore.
size_t journalRecordSize(const char *p, size_t n);

}  // namespace dbsync
