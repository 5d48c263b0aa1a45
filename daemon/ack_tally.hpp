// When is a fanned-out command done, and what does the client get?
// The reply rules (docs/design.md, "What each ack means") as pure functions over a tally of
// the databases' answers, kept apart from sockets so they are easy to read
// and to test. The policy itself (one, quorum, all) is common/ack_policy.hpp.
#pragma once

#include <cstddef>
#include <string>

#include "ack_policy.hpp"

namespace dbsync {

// How each database the command went to has answered so far. A database
// that did not reply either never got the command (notSent: known not
// applied there) or got it and then the reply was lost to a timeout or a
// dropped connection (unknown: it may have been applied).
struct AckTally {
    size_t n = 0;        // databases the command went to
    size_t ok = 0;       // non-error replies
    size_t errors = 0;   // error replies from a database
    size_t notSent = 0;  // never written: down, over a bound, AUTH/SELECT refused
    size_t unknown = 0;  // written, then no reply: timed out or connection lost
    size_t answered() const { return ok + errors + notSent + unknown; }
};

enum class AckOutcome {
    Pending,        // keep waiting
    Success,        // reply with the first successful reply
    DatabaseError,  // `one`: nothing succeeded, the databases said why: pass the first error on
    NotSent,        // no database got the command: it was applied nowhere
    Short,          // fewer applied it than the policy needs (some outcomes may be unknown)
};

// Success as soon as enough databases succeeded; anything else only once
// every database has answered (each one's wait is bounded by --db-timeout).
AckOutcome decide(AckPolicy policy, const AckTally &t);

// The -ERR text (without "-" and CRLF) for NotSent and Short. The reasons
// are each kind's first: an error reply's text, why a database did not get
// the command, why one's reply was lost.
struct AckReasons {
    std::string error;
    std::string notSent;
    std::string unknown;
};
std::string ackFailureMessage(AckPolicy policy, const AckTally &t, const AckReasons &why);

}  // namespace dbsync
