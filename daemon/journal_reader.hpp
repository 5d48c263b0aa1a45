#pragma once
#include "journal.hpp"
namespace dbsync {
class JournalReader {
public:
    JournalReader(const Journal &journal, uint64_t from);
    enum class Result { Record, End, Gap, Error };
    Result next(JournalRecord &rec);
    uint64_t nextSeq() const;
    const std::string &error() const;
};
}
