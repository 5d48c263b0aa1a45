// Reads the state of a batch of keys from every database: one pipelined
// round trip per database per batch, sent to all databases before any reply
// is read, so they are read at nearly the same moment.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "db_link.hpp"
#include "key_verdict.hpp"

namespace dbsync::check {

enum class ValueMode {
    Digest,  // DEBUG DIGEST-VALUE: every database allows it; encoding-independent
    Dump,    // SHA-1 of DUMP, and the content where DUMP differs (value_content.hpp)
};

// True if the database answers DEBUG DIGEST-VALUE (redis-server started with
// --enable-debug-command yes, or "local" over a local connection).
bool allowsDigest(DbLink &db);

class KeyFetcher {
public:
    KeyFetcher(std::vector<std::unique_ptr<DbLink>> &links, ValueMode mode, size_t chunk)
        : links_(links), mode_(mode), chunk_(chunk) {}

    // states[k][d]: key k on database d. keepDump also keeps each DUMP
    // payload and its SHA-1 (for a repair).
    std::vector<std::vector<KeyState>> fetch(const std::vector<std::string> &keys, bool keepDump);

    // Which keys an earlier database's SCAN listed already (it holds the
    // key, of `type` if given): for keys listed by database `upTo`.
    std::vector<bool> listedBefore(const std::vector<std::string> &keys, size_t upTo, const std::string &type);

    ValueMode mode() const { return mode_; }

private:
    // In Dump mode, where databases holding the same type disagree on DUMP,
    // compares the content instead.
    void resolveEncodings(const std::string &key, std::vector<KeyState> &states);

    std::vector<std::unique_ptr<DbLink>> &links_;
    ValueMode mode_;
    size_t chunk_;
};

}  // namespace dbsync::check
