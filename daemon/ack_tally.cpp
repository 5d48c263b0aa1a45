#include "ack_tally.hpp"

namespace dbsync {

AckOutcome decide(AckPolicy policy, const AckTally &t) {
    size_t need = requiredSuccesses(policy, t.n);
    if (need > 0 && t.ok >= need) return AckOutcome::Success;
    // Short of success, wait for every database: the reply then says
    // exactly how many applied the command, and each database's answer
    // counts (a failure reply never races a late success).
    if (t.answered() < t.n) return AckOutcome::Pending;
    if (t.ok == 0 && t.errors == 0 && t.unknown == 0) return AckOutcome::NotSent;
    // `one` passes a database's own error on (WRONGTYPE is the answer the
    // caller wants), unless a database may have applied the command after
    // all: then the caller must hear that the outcome is unknown.
    if (policy == AckPolicy::One && t.unknown == 0) return AckOutcome::DatabaseError;
    return AckOutcome::Short;
}

std::string ackFailureMessage(AckPolicy policy, const AckTally &t, const AckReasons &why) {
    if (t.ok == 0 && t.errors == 0 && t.unknown == 0) {
        if (t.n == 1) return "ERR database unreachable: " + why.notSent;
        return "ERR no database could be reached (" + std::to_string(t.n) + " tried): " + why.notSent;
    }
    std::string s = "ERR applied on " + std::to_string(t.ok) + " of " + std::to_string(t.n) + " databases";
    if (t.errors) s += ", failed on " + std::to_string(t.errors) + " (" + why.error + ")";
    if (t.notSent) s += ", not sent to " + std::to_string(t.notSent) + " (" + why.notSent + ")";
    if (t.unknown) s += ", outcome unknown on " + std::to_string(t.unknown) + " (" + why.unknown + ")";
    return s + ": --ack " + ackPolicyName(policy) + " needs " + std::to_string(requiredSuccesses(policy, t.n));
}

}  // namespace dbsync
