// What one key looks like on each database, and the verdict on it: do the
// databases agree, which ones form the majority, what differs on the others.
// Pure logic, no I/O (unit tested in tests/unit/test_check_verdict.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dbsync::check {

struct KeyState {
    bool exists = false;
    std::string type;         // TYPE's answer ("none" when missing)
    int64_t expireAtMs = -1;  // PEXPIRETIME: -1 no expiry
    std::string fingerprint;  // DEBUG DIGEST-VALUE, SHA-1 of DUMP, or of the content when encodings differ
    // Kept only when a repair may need them:
    std::string dump;         // DUMP payload
    std::string dumpSha;      // SHA-1 of DUMP: what the repair script checks on the target
};

// Same key state within the expiry tolerance.
bool sameState(const KeyState &a, const KeyState &b, uint64_t ttlToleranceMs);

struct Verdict {
    bool divergent = false;
    bool hasMajority = false;         // more than half agree (or --source decides)
    std::vector<int> agree;           // the majority (or the source's group); empty without one
    int reference = -1;               // the database the others are described against
    std::vector<std::vector<std::string>> differs;  // per database: "missing", "extra", "type", "ttl", "value"
    std::string type;                 // the reference's type
};

// source: a database index that decides instead of the majority, or -1.
Verdict judge(const std::vector<KeyState> &states, uint64_t ttlToleranceMs, int source = -1);

}  // namespace dbsync::check
