// Tests for common/ack_policy (shared by dbsyncd and the PHP extension) and
// daemon/ack_tally (when a fanned-out command is decided, and how).
#include <gtest/gtest.h>

// Both sides in one file: there is one AckPolicy, so this compiles.
#include "ack_policy.hpp"
#include "ack_tally.hpp"
#include "client/fanout.hpp"

using dbsync::AckOutcome;
using dbsync::AckPolicy;
using dbsync::AckTally;

TEST(AckPolicy, ParsesTheThreeNamesInAnyCase) {
    AckPolicy p = AckPolicy::One;
    EXPECT_TRUE(dbsync::parseAckPolicy("quorum", p));
    EXPECT_EQ(p, AckPolicy::Quorum);
    EXPECT_TRUE(dbsync::parseAckPolicy("ALL", p));
    EXPECT_EQ(p, AckPolicy::All);
    EXPECT_TRUE(dbsync::parseAckPolicy("One", p));
    EXPECT_EQ(p, AckPolicy::One);
}

TEST(AckPolicy, RefusesAnythingElseAndLeavesTheValue) {
    AckPolicy p = AckPolicy::Quorum;
    for (const char *bad : {"", "on", "ones", "majority", "all ", " one", "2"}) {
        EXPECT_FALSE(dbsync::parseAckPolicy(bad, p)) << bad;
        EXPECT_EQ(p, AckPolicy::Quorum) << bad;
    }
}

TEST(AckPolicy, NamesRoundTrip) {
    for (AckPolicy p : {AckPolicy::One, AckPolicy::Quorum, AckPolicy::All}) {
        AckPolicy back = p == AckPolicy::One ? AckPolicy::All : AckPolicy::One;
        ASSERT_TRUE(dbsync::parseAckPolicy(dbsync::ackPolicyName(p), back));
        EXPECT_EQ(back, p);
    }
}

TEST(AckPolicy, RequiredSuccesses) {
    EXPECT_EQ(dbsync::requiredSuccesses(AckPolicy::One, 0), 0u);
    EXPECT_EQ(dbsync::requiredSuccesses(AckPolicy::One, 3), 1u);
    EXPECT_EQ(dbsync::requiredSuccesses(AckPolicy::Quorum, 1), 1u);
    EXPECT_EQ(dbsync::requiredSuccesses(AckPolicy::Quorum, 2), 2u);
    EXPECT_EQ(dbsync::requiredSuccesses(AckPolicy::Quorum, 3), 2u);
    EXPECT_EQ(dbsync::requiredSuccesses(AckPolicy::Quorum, 4), 3u);
    EXPECT_EQ(dbsync::requiredSuccesses(AckPolicy::Quorum, 5), 3u);
    EXPECT_EQ(dbsync::requiredSuccesses(AckPolicy::All, 4), 4u);
}

TEST(AckPolicy, ClientCoreUsesTheSamePolicy) {
    dbsync::FanoutOptions options;
    EXPECT_EQ(options.ack, AckPolicy::One);
    options.ack = AckPolicy::All;
    EXPECT_STREQ(dbsync::ackPolicyName(options.ack), "all");
}

namespace {

AckTally tally(size_t n, size_t ok, size_t errors, size_t notSent, size_t unknown = 0) {
    AckTally t;
    t.n = n;
    t.ok = ok;
    t.errors = errors;
    t.notSent = notSent;
    t.unknown = unknown;
    return t;
}

}  // namespace

TEST(AckTally, OneSucceedsOnTheFirstSuccessWithoutWaiting) {
    EXPECT_EQ(dbsync::decide(AckPolicy::One, tally(3, 1, 0, 0)), AckOutcome::Success);
    EXPECT_EQ(dbsync::decide(AckPolicy::One, tally(3, 0, 1, 0)), AckOutcome::Pending);
    EXPECT_EQ(dbsync::decide(AckPolicy::One, tally(3, 0, 0, 1, 1)), AckOutcome::Pending);
}

TEST(AckTally, OnePassesTheDatabaseErrorOnOnceEveryoneAnswered) {
    EXPECT_EQ(dbsync::decide(AckPolicy::One, tally(2, 0, 2, 0)), AckOutcome::DatabaseError);
    EXPECT_EQ(dbsync::decide(AckPolicy::One, tally(2, 0, 1, 1)), AckOutcome::DatabaseError);
}

TEST(AckTally, OneDoesNotHideAnUnknownOutcomeBehindAnError) {
    // One database said WRONGTYPE, the other may have applied it.
    EXPECT_EQ(dbsync::decide(AckPolicy::One, tally(2, 0, 1, 0, 1)), AckOutcome::Short);
    EXPECT_EQ(dbsync::decide(AckPolicy::One, tally(2, 0, 0, 0, 2)), AckOutcome::Short);
}

TEST(AckTally, QuorumAndAllCountSuccesses) {
    EXPECT_EQ(dbsync::decide(AckPolicy::Quorum, tally(3, 1, 0, 0)), AckOutcome::Pending);
    EXPECT_EQ(dbsync::decide(AckPolicy::Quorum, tally(3, 2, 0, 0)), AckOutcome::Success);
    EXPECT_EQ(dbsync::decide(AckPolicy::Quorum, tally(3, 1, 1, 1)), AckOutcome::Short);
    EXPECT_EQ(dbsync::decide(AckPolicy::All, tally(3, 2, 0, 0)), AckOutcome::Pending);
    EXPECT_EQ(dbsync::decide(AckPolicy::All, tally(3, 2, 1, 0)), AckOutcome::Short);
    EXPECT_EQ(dbsync::decide(AckPolicy::All, tally(3, 2, 0, 0, 1)), AckOutcome::Short);
    EXPECT_EQ(dbsync::decide(AckPolicy::All, tally(3, 3, 0, 0)), AckOutcome::Success);
}

TEST(AckTally, NothingReachedAnyDatabase) {
    for (AckPolicy p : {AckPolicy::One, AckPolicy::Quorum, AckPolicy::All})
        EXPECT_EQ(dbsync::decide(p, tally(2, 0, 0, 2)), AckOutcome::NotSent) << dbsync::ackPolicyName(p);
}

TEST(AckTally, MessageSaysWhatHappenedOnEachDatabase) {
    dbsync::AckReasons why{"WRONGTYPE Operation against a key", "b: down (Connection refused)",
                           "c: no reply within 500 ms (--db-timeout)"};
    EXPECT_EQ(dbsync::ackFailureMessage(AckPolicy::All, tally(4, 1, 1, 1, 1), why),
              "ERR applied on 1 of 4 databases, failed on 1 (WRONGTYPE Operation against a key), not sent to 1 "
              "(b: down (Connection refused)), outcome unknown on 1 (c: no reply within 500 ms (--db-timeout)): "
              "--ack all needs 4");
    EXPECT_EQ(dbsync::ackFailureMessage(AckPolicy::All, tally(2, 1, 0, 0, 1), why),
              "ERR applied on 1 of 2 databases, outcome unknown on 1 (c: no reply within 500 ms (--db-timeout)): "
              "--ack all needs 2");
    EXPECT_EQ(dbsync::ackFailureMessage(AckPolicy::Quorum, tally(3, 1, 0, 2, 0), why),
              "ERR applied on 1 of 3 databases, not sent to 2 (b: down (Connection refused)): --ack quorum needs 2");
}

TEST(AckTally, MessageWhenNoDatabaseGotTheCommand) {
    dbsync::AckReasons why{"", "a: down (Connection refused)", ""};
    EXPECT_EQ(dbsync::ackFailureMessage(AckPolicy::One, tally(1, 0, 0, 1), why),
              "ERR database unreachable: a: down (Connection refused)");
    EXPECT_EQ(dbsync::ackFailureMessage(AckPolicy::All, tally(3, 0, 0, 3), why),
              "ERR no database could be reached (3 tried): a: down (Connection refused)");
}
