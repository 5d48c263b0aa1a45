// dbsync-check's verdict on one key (check/key_verdict.hpp): the majority,
// ties, --source, expiry tolerance, and what is named as different.
#include <gtest/gtest.h>

#include "check/key_verdict.hpp"

using dbsync::check::judge;
using dbsync::check::KeyState;

namespace {

KeyState str(const std::string &fp, int64_t expireAt = -1) {
    KeyState s;
    s.exists = true;
    s.type = "string";
    s.fingerprint = fp;
    s.expireAtMs = expireAt;
    return s;
}

KeyState missing() {
    KeyState s;
    s.type = "none";
    return s;
}

}  // namespace

TEST(CheckVerdict, AllEqualIsNotDivergent) {
    auto v = judge({str("a"), str("a"), str("a")}, 0);
    EXPECT_FALSE(v.divergent);
}

TEST(CheckVerdict, TwoOfThreeAreTheMajority) {
    auto v = judge({str("a"), str("b"), str("a")}, 0);
    ASSERT_TRUE(v.divergent);
    EXPECT_TRUE(v.hasMajority);
    EXPECT_EQ(v.agree, (std::vector<int>{0, 2}));
    EXPECT_EQ(v.reference, 0);
    EXPECT_EQ(v.differs[1], (std::vector<std::string>{"value"}));
    EXPECT_TRUE(v.differs[0].empty());
}

TEST(CheckVerdict, TwoDatabasesThatDifferAreATie) {
    auto v = judge({str("a"), str("b")}, 0);
    ASSERT_TRUE(v.divergent);
    EXPECT_FALSE(v.hasMajority);
    EXPECT_TRUE(v.agree.empty());
}

TEST(CheckVerdict, HalfIsNotAMajority) {
    auto v = judge({str("a"), str("a"), str("b"), str("b")}, 0);
    EXPECT_FALSE(v.hasMajority);
}

TEST(CheckVerdict, SourceDecidesATie) {
    auto v = judge({str("a"), str("b")}, 0, 1);
    EXPECT_TRUE(v.hasMajority);
    EXPECT_EQ(v.agree, (std::vector<int>{1}));
    EXPECT_EQ(v.reference, 1);
    EXPECT_EQ(v.differs[0], (std::vector<std::string>{"value"}));
}

TEST(CheckVerdict, MajorityWithoutTheKeyNamesTheExtraCopy) {
    auto v = judge({missing(), str("a"), missing()}, 0);
    EXPECT_TRUE(v.hasMajority);
    EXPECT_EQ(v.agree, (std::vector<int>{0, 2}));
    EXPECT_EQ(v.differs[1], (std::vector<std::string>{"extra"}));
    EXPECT_EQ(v.type, "string");
}

TEST(CheckVerdict, MissingTypeAndTtlAreNamed) {
    KeyState list = str("a");
    list.type = "list";
    auto v = judge({str("a", 1000), missing(), list, str("a", 1000), str("a", 2000)}, 0);
    EXPECT_FALSE(v.hasMajority);  // 2 of 5 agree: no majority, described against db0
    EXPECT_TRUE(v.agree.empty());
    EXPECT_EQ(v.reference, 0);
    EXPECT_TRUE(v.differs[3].empty());
    EXPECT_EQ(v.differs[1], (std::vector<std::string>{"missing"}));
    EXPECT_EQ(v.differs[2], (std::vector<std::string>{"type"}));
    EXPECT_EQ(v.differs[4], (std::vector<std::string>{"ttl"}));
}

TEST(CheckVerdict, ExpiryWithinToleranceIsEqual) {
    EXPECT_FALSE(judge({str("a", 1000), str("a", 1040)}, 50).divergent);
    EXPECT_TRUE(judge({str("a", 1000), str("a", 1060)}, 50).divergent);
    // No expiry is never "close" to an expiry.
    EXPECT_TRUE(judge({str("a", -1), str("a", 10)}, 1000).divergent);
}
