#include "ack_tally.hpp"

namespace dbsync {

AckOutcome decide(AckPolicy policy, const AckTally &t) {
    size_t need = requiredSuccesses(policy, t.n);
    if (need > 0 && t.ok >= need) return AckOutcome::Success;
    // Short of success, wait for every database: the reply then says
    // exactly how many applied the command, and each database's answer
    // counts (a failure reply never races a late success).
    if (t.answered() < t.n) return AckOutcome::Pending;
    if (t.ok == 0 && t.errors == 0) return AckOutcome::Unreachable;
    // `one` passes a database's own error on (WRONGTYPE is the answer the
    // caller wants); quorum and all say how far the command got.
    if (policy == AckPolicy::One) return AckOutcome::DatabaseError;
    return AckOutcome::Short;
}

}  // namespace dbsync
