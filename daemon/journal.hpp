#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include "journal_record.hpp"
namespace dbsync {
enum class JournalFsync { Always, Everysec, No };
struct JournalOptions { std::string dir; JournalFsync fsync = JournalFsync::Everysec; uint64_t segmentBytes = 16 << 20; size_t maxRecordBytes = 1u << 30; };
class Journal {
public:
    Journal(); ~Journal();
    bool open(const JournalOptions &opts, std::string &error);
    uint64_t append(std::string_view payload, uint8_t flags, uint64_t timeMs);
    bool flush();
    void syncIfDue(uint64_t nowMs);
    void retire(uint64_t upTo);
    void setNextSeq(uint64_t next);
    uint64_t head() const; uint64_t nextSeq() const; size_t buffered() const; uint64_t flushedHead() const; uint64_t firstSeq() const;
    bool hasAllFrom(uint64_t from) const;
    uint64_t bytes() const; size_t segments() const;
    uint64_t oldestTimeAfter(uint64_t afterSeq) const;
    uint64_t bytesAfter(uint64_t afterSeq) const;
    const std::string &dir() const; const std::string &lastError() const;
    uint64_t writeErrors() const; uint64_t recordsNotJournaled() const; uint64_t fsyncs() const;
    uint64_t truncations() const; uint64_t truncatedRecords() const;
};
}
