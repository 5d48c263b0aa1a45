// When is a fanned-out command done, and what does the client get?
// The rules of DESIGN.md ("Reply rules") as pure functions over a tally of
// the databases' answers, kept apart from sockets so they are easy to read
// and to test. The policy itself (one, quorum, all) is common/ack_policy.hpp.
#pragma once

#include <cstddef>

#include "ack_policy.hpp"

namespace dbsync {

struct AckTally {
    size_t n = 0;          // databases the command went to
    size_t ok = 0;         // non-error replies
    size_t errors = 0;     // error replies from a database
    size_t unreachable = 0;  // down, timed out, over a bound, connection lost
    size_t answered() const { return ok + errors + unreachable; }
};

enum class AckOutcome {
    Pending,        // keep waiting
    Success,        // reply with the first successful reply
    DatabaseError,  // `one`: nothing succeeded, some database said why: pass its error on
    Unreachable,    // no database could be reached at all
    Short,          // quorum/all: fewer applied it than the policy needs
};

// Success as soon as enough databases succeeded; anything else only once
// every database has answered (each one's wait is bounded by --db-timeout).
AckOutcome decide(AckPolicy policy, const AckTally &t);

}  // namespace dbsync
