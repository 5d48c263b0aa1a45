// Turns hiredis reply objects back into RESP2 for the client, and
// fingerprints them so replies from different databases can be compared
// (divergent copies) without keeping them.
#pragma once

#include <cstdint>
#include <string>

struct redisReply;

namespace dbsync {

void encodeReply(const redisReply *reply, std::string &out);
uint64_t replyFingerprint(const redisReply *reply);
bool isErrorReply(const redisReply *reply);

}  // namespace dbsync
