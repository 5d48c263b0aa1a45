#include "ack_policy.hpp"

#include <strings.h>

namespace dbsync {

bool parseAckPolicy(std::string_view text, AckPolicy &out) {
    static const struct {
        std::string_view name;
        AckPolicy policy;
    } kNames[] = {{"one", AckPolicy::One}, {"quorum", AckPolicy::Quorum}, {"all", AckPolicy::All}};
    for (const auto &n : kNames) {
        if (text.size() == n.name.size() && strncasecmp(text.data(), n.name.data(), text.size()) == 0) {
            out = n.policy;
            return true;
        }
    }
    return false;
}

const char *ackPolicyName(AckPolicy policy) {
    switch (policy) {
    case AckPolicy::One: return "one";
    case AckPolicy::Quorum: return "quorum";
    case AckPolicy::All: return "all";
    }
    return "?";
}

size_t requiredSuccesses(AckPolicy policy, size_t n) {
    switch (policy) {
    case AckPolicy::One: return n == 0 ? 0 : 1;
    case AckPolicy::Quorum: return n / 2 + 1;
    case AckPolicy::All: return n;
    }
    return n;
}

}  // namespace dbsync
