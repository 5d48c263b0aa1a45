// A digest of a value's content, read in chunks (never one huge reply), for
// when DUMP differs only because the encodings differ: a small hash saved as
// a listpack and the same hash saved as a hashtable, an intset and a set of
// the same numbers, a string compressed on one server only.
#pragma once

#include <string>

#include "db_link.hpp"

namespace dbsync::check {

// "content:<sha1>" for string, list, hash, set, zset and stream; empty for a
// type it cannot read (a module type): then DUMP's hash stays the fingerprint.
// Unordered collections come back from *SCAN in any order, possibly with
// repeats: their elements are hashed one by one, sorted and deduplicated.
std::string contentDigest(DbLink &db, const std::string &key, const std::string &type, size_t chunk);

// A stream's consumer groups, which DEBUG DIGEST-VALUE leaves out: each
// group's position and counts, and each pending entry's ID, consumer and
// delivery count (not its delivery time, which XPENDING gives as an idle
// time by each server's clock).
std::string groupsDigest(DbLink &db, const std::string &key, size_t chunk);

}  // namespace dbsync::check
