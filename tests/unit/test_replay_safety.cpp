// Tests for daemon/replay_safety: which writes go bare (applied a second
// time in order, they change nothing) and which carry their own marker.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/replay_safety.hpp"
#include "request_framer.hpp"
#include "resp_writer.hpp"

namespace {

bool plain(const std::vector<std::string> &args) {
    std::string input;
    dbsync::resp::appendCommand(input, args);
    dbsync::RequestFramer framer;
    dbsync::FramedRequest req;
    EXPECT_EQ(framer.next(input, req), dbsync::RequestFramer::Result::Request);
    return dbsync::replaysSafely(req);
}

}  // namespace

TEST(ReplaySafety, AssignmentsGoBare) {
    EXPECT_TRUE(plain({"SET", "k", "v"}));
    EXPECT_TRUE(plain({"set", "k", "v", "PXAT", "1700000000000"}));
    EXPECT_TRUE(plain({"SET", "k", "v", "KEEPTTL"}));
    EXPECT_TRUE(plain({"MSET", "a", "1", "b", "2"}));
    EXPECT_TRUE(plain({"DEL", "a", "b"}));
    EXPECT_TRUE(plain({"UNLINK", "a"}));
    EXPECT_TRUE(plain({"HSET", "h", "f", "v"}));
    EXPECT_TRUE(plain({"HMSET", "h", "f", "v"}));
    EXPECT_TRUE(plain({"HDEL", "h", "f"}));
    EXPECT_TRUE(plain({"SADD", "s", "m"}));
    EXPECT_TRUE(plain({"SREM", "s", "m"}));
    EXPECT_TRUE(plain({"ZADD", "z", "1", "m"}));
    EXPECT_TRUE(plain({"ZADD", "z", "CH", "1", "m"}));
    EXPECT_TRUE(plain({"ZREM", "z", "m"}));
    EXPECT_TRUE(plain({"PEXPIREAT", "k", "1700000000000"}));
    EXPECT_TRUE(plain({"PERSIST", "k"}));
    EXPECT_TRUE(plain({"SETRANGE", "k", "0", "ab"}));
    EXPECT_TRUE(plain({"SETBIT", "k", "7", "1"}));
}

TEST(ReplaySafety, WhatDependsOnThePastCarriesItsMarker) {
    EXPECT_FALSE(plain({"INCR", "c"}));
    EXPECT_FALSE(plain({"INCRBY", "c", "2"}));
    EXPECT_FALSE(plain({"LPUSH", "l", "x"}));
    EXPECT_FALSE(plain({"RPUSH", "l", "x"}));
    EXPECT_FALSE(plain({"APPEND", "k", "x"}));
    EXPECT_FALSE(plain({"HINCRBY", "h", "f", "1"}));
    EXPECT_FALSE(plain({"ZINCRBY", "z", "1", "m"}));
    EXPECT_FALSE(plain({"SET", "k", "v", "NX"}));
    EXPECT_FALSE(plain({"SET", "k", "v", "xx"}));
    EXPECT_FALSE(plain({"SET", "k", "v", "GET"}));
    EXPECT_FALSE(plain({"ZADD", "z", "GT", "1", "m"}));
    EXPECT_FALSE(plain({"ZADD", "z", "INCR", "1", "m"}));
    EXPECT_FALSE(plain({"PEXPIREAT", "k", "1700000000000", "GT"}));
    EXPECT_FALSE(plain({"EVAL", "return 1", "0"}));
    EXPECT_FALSE(plain({"FLUSHALL"}));
    EXPECT_FALSE(plain({"MODULE.CMD", "k"}));
    EXPECT_FALSE(plain({"SETNX", "k", "v"}));
    EXPECT_FALSE(plain({"GETDEL", "k"}));
    EXPECT_FALSE(plain({"SPOP", "s"}));
}
