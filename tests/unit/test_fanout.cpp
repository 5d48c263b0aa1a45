// Tests for daemon/fanout: one command's replies from several databases,
// decided by the ack policy, with replies framed as a database connection
// frames them (common/reply_framer.hpp).
#include <gtest/gtest.h>

#include <string>

#include "fanout.hpp"
#include "reply_framer.hpp"
#include "stats.hpp"

using dbsync::AckPolicy;
using dbsync::FanoutRequest;

namespace {

// One whole reply in RESP bytes, as the framer hands it over.
struct Reply {
    explicit Reply(std::string resp) : bytes(std::move(resp)) {
        dbsync::ReplyFramer framer;
        dbsync::FramedReply framed;
        EXPECT_EQ(framer.next(bytes, framed), dbsync::ReplyFramer::Result::Reply);
        EXPECT_EQ(framed.bytes.size(), bytes.size());
        error = framed.isError();
    }
    std::string bytes;
    bool error = false;
};

void deliver(FanoutRequest *req, const Reply &r) { req->onReply(r.bytes, r.error); }

std::string bulk(size_t n) { return "$" + std::to_string(n) + "\r\n" + std::string(n, 'x') + "\r\n"; }

}  // namespace

TEST(Fanout, OneAnswersWithTheFirstSuccess) {
    dbsync::Stats stats;
    auto *req = new FanoutRequest(nullptr, AckPolicy::One, 3, stats);
    deliver(req, Reply("-ERR busy\r\n"));
    EXPECT_FALSE(req->decided());
    deliver(req, Reply(":7\r\n"));
    ASSERT_TRUE(req->decided());
    EXPECT_EQ(req->reply(), ":7\r\n");
    req->release();
}

TEST(Fanout, LateRepliesAreNotKeptOnceDecided) {
    dbsync::Stats stats;
    auto *req = new FanoutRequest(nullptr, AckPolicy::One, 3, stats);
    Reply big(bulk(1 << 20));
    deliver(req, big);
    ASSERT_TRUE(req->decided());
    EXPECT_EQ(req->reply().size(), (1u << 20) + 12);
    // The others answer after the client has its reply: counted and
    // compared, never encoded again.
    deliver(req, big);
    deliver(req, Reply("-ERR late\r\n"));
    EXPECT_EQ(req->keptReplyBytes(), 0u);
    EXPECT_EQ(req->reply().size(), (1u << 20) + 12);
    req->release();
    EXPECT_EQ(stats.divergent, 1u);  // the late error differs from the others
}

TEST(Fanout, LateRepliesStillCountForDivergence) {
    dbsync::Stats stats;
    auto *req = new FanoutRequest(nullptr, AckPolicy::One, 2, stats);
    deliver(req, Reply(":1\r\n"));
    ASSERT_TRUE(req->decided());
    deliver(req, Reply(":2\r\n"));
    req->release();
    EXPECT_EQ(stats.divergent, 1u);
}

TEST(Fanout, AllSaysWhichOutcomeIsUnknown) {
    dbsync::Stats stats;
    auto *req = new FanoutRequest(nullptr, AckPolicy::All, 3, stats);
    deliver(req, Reply("+OK\r\n"));
    req->onNotSent("b: down (Connection refused)");
    EXPECT_FALSE(req->decided());
    req->onOutcomeUnknown("c: no reply within 500 ms (--db-timeout)");
    ASSERT_TRUE(req->decided());
    EXPECT_EQ(req->reply(),
              "-ERR applied on 1 of 3 databases, not sent to 1 (b: down (Connection refused)), outcome unknown on "
              "1 (c: no reply within 500 ms (--db-timeout)): --ack all needs 3\r\n");
    EXPECT_EQ(stats.failed, 1u);
    req->release();
}

TEST(Fanout, OnePassesTheDatabaseErrorOn) {
    dbsync::Stats stats;
    auto *req = new FanoutRequest(nullptr, AckPolicy::One, 2, stats);
    deliver(req, Reply("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"));
    req->onNotSent("b: down (Connection refused)");
    ASSERT_TRUE(req->decided());
    EXPECT_EQ(req->reply(), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    req->release();
}
