#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>
namespace dbsync {
struct JournalState {
    std::string instance; uint64_t head = 0; uint64_t retired = 0;
    struct Database { uint64_t applied = 0; bool diverged = false; uint64_t divergedMarker = 0; };
    std::map<std::string, Database> databases;
    std::vector<std::pair<uint64_t, uint64_t>> runs;  // (head when a run began, its base)
};
bool loadJournalState(const std::string &dir, JournalState &st, std::string &error);
bool saveJournalState(const std::string &dir, const JournalState &st, std::string &error);
}
