// The ack policy: how many of the places a command goes to (dbsyncd's
// databases, or the PHP extension's dbsync.servers) must succeed before it
// counts as done. One definition for both sides, so `--ack` and `dbsync.ack`
// take the same words and mean the same numbers.
#pragma once

#include <cstddef>
#include <string_view>

namespace dbsync {

enum class AckPolicy { One, Quorum, All };

// "one", "quorum" or "all", in any case; false (out untouched) otherwise.
bool parseAckPolicy(std::string_view text, AckPolicy &out);
const char *ackPolicyName(AckPolicy policy);
// Successes the policy needs out of n: 1 (0 when n is 0), floor(n/2)+1, or n.
size_t requiredSuccesses(AckPolicy policy, size_t n);

}  // namespace dbsync
