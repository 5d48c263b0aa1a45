#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
namespace dbsync {
constexpr uint8_t kJournalAtomic = 1;
constexpr uint8_t kJournalTransaction = 2;
struct JournalRecord { uint64_t seq = 0; uint64_t timeMs = 0; uint8_t flags = 0; std::string_view payload; };
}
