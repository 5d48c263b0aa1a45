// What a check found and did, and how it is shown: one line per divergent
// key and a summary, or one JSON document (--json).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "key_verdict.hpp"

namespace dbsync::check {

struct Divergence {
    std::string key;
    Verdict verdict;
    std::vector<KeyState> states;  // as read in the last round
};

struct RepairResult {
    std::string key;
    std::string outcome;               // repaired, changed, no-majority, failed, would-repair
    std::vector<std::string> actions;  // "db1: restore from db0", "db1: delete"
    std::string detail;                // for changed and failed: which database, why
};

struct CheckReport {
    std::vector<std::string> databases;  // "db0 127.0.0.1:6379"...
    std::string valueMode;               // "digest" or "dump"
    uint64_t keysCompared = 0;
    std::vector<Divergence> divergent;
    double seconds = 0;
    double scanSeconds = 0;  // the first round, over which keys/s is given
    bool repair = false;
    bool dryRun = false;
    std::vector<RepairResult> repairs;

    // Per database, the divergent keys it lacks.
    std::vector<uint64_t> missingPerDatabase() const;
    uint64_t count(const std::string &outcome) const;
};

// A key as redis-cli shows it: in double quotes, with \n, \", \\ and \xHH.
std::string quoteKey(const std::string &key);

// A JSON string literal; bytes that are not UTF-8 become \u00XX.
std::string jsonString(const std::string &text);

void printText(std::FILE *out, const CheckReport &report);
void printJson(std::FILE *out, const CheckReport &report);

}  // namespace dbsync::check
