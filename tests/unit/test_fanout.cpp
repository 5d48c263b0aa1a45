// Tests for daemon/fanout: one command's replies from several databases,
// decided by the ack policy, with real hiredis reply objects.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <string>

#include "fanout.hpp"
#include "stats.hpp"

using dbsync::AckPolicy;
using dbsync::FanoutRequest;

namespace {

// A reply as hiredis parses it from RESP bytes.
struct Reply {
    explicit Reply(const std::string &resp) {
        redisReader *r = redisReaderCreate();
        redisReaderFeed(r, resp.data(), resp.size());
        void *out = nullptr;
        EXPECT_EQ(redisReaderGetReply(r, &out), REDIS_OK);
        redisReaderFree(r);
        reply = static_cast<redisReply *>(out);
    }
    ~Reply() { freeReplyObject(reply); }
    redisReply *reply = nullptr;
};

std::string bulk(size_t n) { return "$" + std::to_string(n) + "\r\n" + std::string(n, 'x') + "\r\n"; }

}  // namespace

TEST(Fanout, OneAnswersWithTheFirstSuccess) {
    dbsync::Stats stats;
    auto *req = new FanoutRequest(nullptr, AckPolicy::One, 3, stats);
    req->onReply(Reply("-ERR busy\r\n").reply);
    EXPECT_FALSE(req->decided());
    req->onReply(Reply(":7\r\n").reply);
    ASSERT_TRUE(req->decided());
    EXPECT_EQ(req->reply(), ":7\r\n");
    req->release();
}

TEST(Fanout, LateRepliesAreNotKeptOnceDecided) {
    dbsync::Stats stats;
    auto *req = new FanoutRequest(nullptr, AckPolicy::One, 3, stats);
    Reply big(bulk(1 << 20));
    req->onReply(big.reply);
    ASSERT_TRUE(req->decided());
    EXPECT_EQ(req->reply().size(), (1u << 20) + 12);
    // The others answer after the client has its reply: counted and
    // compared, never encoded again.
    req->onReply(big.reply);
    req->onReply(Reply("-ERR late\r\n").reply);
    EXPECT_EQ(req->keptReplyBytes(), 0u);
    EXPECT_EQ(req->reply().size(), (1u << 20) + 12);
    req->release();
    EXPECT_EQ(stats.divergent, 1u);  // the late error differs from the others
}

TEST(Fanout, LateRepliesStillCountForDivergence) {
    dbsync::Stats stats;
    auto *req = new FanoutRequest(nullptr, AckPolicy::One, 2, stats);
    req->onReply(Reply(":1\r\n").reply);
    ASSERT_TRUE(req->decided());
    req->onReply(Reply(":2\r\n").reply);
    req->release();
    EXPECT_EQ(stats.divergent, 1u);
}

TEST(Fanout, AllSaysWhichOutcomeIsUnknown) {
    dbsync::Stats stats;
    auto *req = new FanoutRequest(nullptr, AckPolicy::All, 3, stats);
    req->onReply(Reply("+OK\r\n").reply);
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
    req->onReply(Reply("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n").reply);
    req->onNotSent("b: down (Connection refused)");
    ASSERT_TRUE(req->decided());
    EXPECT_EQ(req->reply(), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    req->release();
}
