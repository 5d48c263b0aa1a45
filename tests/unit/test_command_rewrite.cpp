// Tests for daemon/command_rewrite: every relative-expiry form and its
// absolute rewrite, byte for byte, and every form that must go unchanged
// because Redis would refuse it (it then answers with its own error).
#include <gtest/gtest.h>

#include <ctime>
#include <string>
#include <vector>

#include "daemon/command_rewrite.hpp"
#include "request_framer.hpp"
#include "resp_writer.hpp"

using dbsync::FramedRequest;
using dbsync::RequestFramer;

namespace {

constexpr int64_t kNow = 1700000000000;  // 2023-11-14T22:13:20Z, in ms

std::string encode(const std::vector<std::string> &args) {
    std::string out;
    dbsync::resp::appendCommand(out, args);
    return out;
}

// Frames `input` as dbsyncd does and rewrites the one request in it.
// Returns the rewritten bytes, or "unchanged".
std::string rewriteInput(const std::string &input, int64_t now = kNow) {
    RequestFramer framer;
    FramedRequest req;
    EXPECT_EQ(framer.next(input, req), RequestFramer::Result::Request) << input;
    EXPECT_EQ(req.consumed, input.size());
    std::string out = "unchanged";
    bool rewritten = dbsync::rewriteRelativeExpiry(req, now, out);
    EXPECT_EQ(rewritten, out != "unchanged");
    return out;
}

std::string rewrite(const std::vector<std::string> &args, int64_t now = kNow) {
    return rewriteInput(encode(args), now);
}

const std::string kUnchanged = "unchanged";

}  // namespace

// ------------------------------------------------------------ EXPIRE, PEXPIRE

TEST(CommandRewrite, ExpireBecomesPexpireat) {
    EXPECT_EQ(rewrite({"EXPIRE", "k", "100"}), encode({"PEXPIREAT", "k", "1700000100000"}));
    EXPECT_EQ(rewrite({"expire", "k", "100"}), encode({"PEXPIREAT", "k", "1700000100000"}));
    EXPECT_EQ(rewrite({"PEXPIRE", "k", "1500"}), encode({"PEXPIREAT", "k", "1700000001500"}));
    EXPECT_EQ(rewrite({"pExPiRe", "k", "1"}), encode({"PEXPIREAT", "k", "1700000000001"}));
}

TEST(CommandRewrite, ExpireOptionsAreKeptAsSent) {
    EXPECT_EQ(rewrite({"EXPIRE", "k", "100", "NX"}), encode({"PEXPIREAT", "k", "1700000100000", "NX"}));
    EXPECT_EQ(rewrite({"EXPIRE", "k", "100", "xx"}), encode({"PEXPIREAT", "k", "1700000100000", "xx"}));
    EXPECT_EQ(rewrite({"PEXPIRE", "k", "5", "gt"}), encode({"PEXPIREAT", "k", "1700000000005", "gt"}));
    EXPECT_EQ(rewrite({"PEXPIRE", "k", "5", "LT"}), encode({"PEXPIREAT", "k", "1700000000005", "LT"}));
    // Redis accepts XX with GT or LT, and a word twice.
    EXPECT_EQ(rewrite({"EXPIRE", "k", "1", "XX", "GT"}), encode({"PEXPIREAT", "k", "1700000001000", "XX", "GT"}));
    EXPECT_EQ(rewrite({"EXPIRE", "k", "1", "NX", "nx"}), encode({"PEXPIREAT", "k", "1700000001000", "NX", "nx"}));
}

TEST(CommandRewrite, ExpireInThePastIsRewrittenToo) {
    // EXPIRE k 0 or -1 deletes the key and answers 1; so does PEXPIREAT with a past time.
    EXPECT_EQ(rewrite({"EXPIRE", "k", "0"}), encode({"PEXPIREAT", "k", "1700000000000"}));
    EXPECT_EQ(rewrite({"EXPIRE", "k", "-1"}), encode({"PEXPIREAT", "k", "1699999999000"}));
    EXPECT_EQ(rewrite({"PEXPIRE", "k", "-1700000000001"}), encode({"PEXPIREAT", "k", "-1"}));
}

TEST(CommandRewrite, ExpireLeftToRedis) {
    for (const char *bad : {"notanumber", "", "01", "-0", "+1", " 1", "1 ", "1.5", "1e3", "0x10", "-",
                            "9223372036854775808", "99999999999999999999999"}) {
        EXPECT_EQ(rewrite({"EXPIRE", "k", bad}), kUnchanged) << bad;
        EXPECT_EQ(rewrite({"PEXPIRE", "k", bad}), kUnchanged) << bad;
    }
    // Redis's own overflow error names the command sent.
    EXPECT_EQ(rewrite({"EXPIRE", "k", "9223372036854775807"}), kUnchanged);
    EXPECT_EQ(rewrite({"EXPIRE", "k", "-9223372036854775808"}), kUnchanged);
    EXPECT_EQ(rewrite({"PEXPIRE", "k", "9223372036854775807"}), kUnchanged);
    EXPECT_EQ(rewrite({"PEXPIRE", "k", "-9223372036854775808"}), kUnchanged);
    // Options Redis refuses, alone or together.
    EXPECT_EQ(rewrite({"EXPIRE", "k", "10", "NX", "XX"}), kUnchanged);
    EXPECT_EQ(rewrite({"EXPIRE", "k", "10", "NX", "GT"}), kUnchanged);
    EXPECT_EQ(rewrite({"EXPIRE", "k", "10", "LT", "nx"}), kUnchanged);
    EXPECT_EQ(rewrite({"EXPIRE", "k", "10", "GT", "LT"}), kUnchanged);
    EXPECT_EQ(rewrite({"EXPIRE", "k", "10", "EX"}), kUnchanged);
    EXPECT_EQ(rewrite({"EXPIRE", "k", "10", std::string("NX\0", 3)}), kUnchanged);
    // Wrong number of arguments.
    EXPECT_EQ(rewrite({"EXPIRE", "k"}), kUnchanged);
    EXPECT_EQ(rewrite({"PEXPIRE"}), kUnchanged);
}

TEST(CommandRewrite, HugeTtlsAreLeftToEachDatabase) {
    // Within 2^62 ms it is rewritten; past it, each database decides on its own clock.
    const int64_t limit = int64_t{1} << 62;
    EXPECT_EQ(rewrite({"PEXPIRE", "k", std::to_string(limit - kNow)}),
              encode({"PEXPIREAT", "k", std::to_string(limit)}));
    EXPECT_EQ(rewrite({"PEXPIRE", "k", std::to_string(limit - kNow + 1)}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v", "PX", std::to_string(limit - kNow + 1)}), kUnchanged);
    EXPECT_EQ(rewrite({"EXPIRE", "k", std::to_string(limit / 1000 + 1)}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v", "EX", "9223372036854775"}), kUnchanged);
}

TEST(CommandRewrite, NoSaneClockNoRewrite) {
    EXPECT_EQ(rewrite({"EXPIRE", "k", "10"}, 0), kUnchanged);
    EXPECT_EQ(rewrite({"EXPIRE", "k", "10"}, -5), kUnchanged);
    EXPECT_EQ(rewrite({"EXPIRE", "k", "10"}, (int64_t{1} << 62) + 1), kUnchanged);
}

// ------------------------------------------------------------------- SET

TEST(CommandRewrite, SetExPxBecomePxat) {
    EXPECT_EQ(rewrite({"SET", "k", "v", "EX", "100"}), encode({"SET", "k", "v", "PXAT", "1700000100000"}));
    EXPECT_EQ(rewrite({"set", "k", "v", "px", "1500"}), encode({"set", "k", "v", "PXAT", "1700000001500"}));
    EXPECT_EQ(rewrite({"SeT", "k", "v", "eX", "1"}), encode({"SeT", "k", "v", "PXAT", "1700000001000"}));
}

TEST(CommandRewrite, SetOtherOptionsStayWhereTheyAre) {
    EXPECT_EQ(rewrite({"SET", "k", "v", "NX", "EX", "10"}), encode({"SET", "k", "v", "NX", "PXAT", "1700000010000"}));
    EXPECT_EQ(rewrite({"SET", "k", "v", "EX", "10", "xx"}), encode({"SET", "k", "v", "PXAT", "1700000010000", "xx"}));
    EXPECT_EQ(rewrite({"SET", "k", "v", "GET", "EX", "10"}), encode({"SET", "k", "v", "GET", "PXAT", "1700000010000"}));
    EXPECT_EQ(rewrite({"SET", "k", "v", "XX", "PX", "7", "get"}),
              encode({"SET", "k", "v", "XX", "PXAT", "1700000000007", "get"}));
    EXPECT_EQ(rewrite({"SET", "k", "v", "NX", "GET", "EX", "10", "NX"}),
              encode({"SET", "k", "v", "NX", "GET", "PXAT", "1700000010000", "NX"}));
}

TEST(CommandRewrite, SetKeyAndValueAreNotOptions) {
    EXPECT_EQ(rewrite({"SET", "EX", "PX", "EX", "10"}), encode({"SET", "EX", "PX", "PXAT", "1700000010000"}));
    EXPECT_EQ(rewrite({"SET", "k", "KEEPTTL", "EX", "10"}), encode({"SET", "k", "KEEPTTL", "PXAT", "1700000010000"}));
}

TEST(CommandRewrite, SetLeftToRedis) {
    for (const char *bad : {"0", "-5", "abc", "", "010", "+10", "1.0", "9223372036854775808"}) {
        EXPECT_EQ(rewrite({"SET", "k", "v", "EX", bad}), kUnchanged) << bad;
        EXPECT_EQ(rewrite({"SET", "k", "v", "PX", bad}), kUnchanged) << bad;
    }
    EXPECT_EQ(rewrite({"SET", "k", "v", "EX"}), kUnchanged);              // no value
    EXPECT_EQ(rewrite({"SET", "k", "v", "NX", "EX"}), kUnchanged);        // no value
    EXPECT_EQ(rewrite({"SET", "k", "v", "EX", "10", "KEEPTTL"}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v", "KEEPTTL", "PX", "10"}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v", "EX", "10", "PX", "10"}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v", "EX", "10", "EX", "20"}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v", "EX", "10", "PXAT", "20"}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v", "EXAT", "20", "EX", "10"}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v", "NX", "XX", "EX", "10"}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v", "EX", "10", "BOGUS"}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v", std::string("EX\0", 3), "10"}), kUnchanged);
    // Already absolute, or nothing about time.
    EXPECT_EQ(rewrite({"SET", "k", "v", "PXAT", "1700000000000"}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v", "EXAT", "1700000000"}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v", "KEEPTTL"}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v", "NX", "GET"}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v"}), kUnchanged);
}

// ---------------------------------------------------------- SETEX, PSETEX

TEST(CommandRewrite, SetexBecomesSetPxat) {
    EXPECT_EQ(rewrite({"SETEX", "k", "100", "v"}), encode({"SET", "k", "v", "PXAT", "1700000100000"}));
    EXPECT_EQ(rewrite({"psetex", "k", "1500", "v"}), encode({"SET", "k", "v", "PXAT", "1700000001500"}));
    // The value may look like anything.
    EXPECT_EQ(rewrite({"SETEX", "k", "1", "EX"}), encode({"SET", "k", "EX", "PXAT", "1700000001000"}));
}

TEST(CommandRewrite, SetexLeftToRedis) {
    for (const char *bad : {"0", "-1", "x", "", "01", "9223372036854775807"}) {
        EXPECT_EQ(rewrite({"SETEX", "k", bad, "v"}), kUnchanged) << bad;
        EXPECT_EQ(rewrite({"PSETEX", "k", bad, "v"}), kUnchanged) << bad;
    }
    EXPECT_EQ(rewrite({"SETEX", "k", "10"}), kUnchanged);
    EXPECT_EQ(rewrite({"SETEX", "k", "10", "v", "extra"}), kUnchanged);
    EXPECT_EQ(rewrite({"PSETEX", "k", "10", "v", "NX"}), kUnchanged);
}

// ------------------------------------------------------------------- GETEX

TEST(CommandRewrite, GetexBecomesPxat) {
    EXPECT_EQ(rewrite({"GETEX", "k", "EX", "100"}), encode({"GETEX", "k", "PXAT", "1700000100000"}));
    EXPECT_EQ(rewrite({"getex", "k", "px", "1500"}), encode({"getex", "k", "PXAT", "1700000001500"}));
}

TEST(CommandRewrite, GetexLeftToRedis) {
    for (const char *bad : {"0", "-1", "x", "", "01", "9223372036854775807"}) {
        EXPECT_EQ(rewrite({"GETEX", "k", "EX", bad}), kUnchanged) << bad;
        EXPECT_EQ(rewrite({"GETEX", "k", "PX", bad}), kUnchanged) << bad;
    }
    EXPECT_EQ(rewrite({"GETEX", "k"}), kUnchanged);
    EXPECT_EQ(rewrite({"GETEX", "k", "PERSIST"}), kUnchanged);
    EXPECT_EQ(rewrite({"GETEX", "k", "EX"}), kUnchanged);
    EXPECT_EQ(rewrite({"GETEX", "k", "PXAT", "1700000000000"}), kUnchanged);
    EXPECT_EQ(rewrite({"GETEX", "k", "EXAT", "1700000000"}), kUnchanged);
    EXPECT_EQ(rewrite({"GETEX", "k", "NX", "10"}), kUnchanged);
    EXPECT_EQ(rewrite({"GETEX", "k", "EX", "10", "PERSIST"}), kUnchanged);
    EXPECT_EQ(rewrite({"GETEX", "k", "EX", "10", "EX", "20"}), kUnchanged);
}

// ----------------------------------------------------------------- RESTORE

TEST(CommandRewrite, RestoreGetsAbsttl) {
    const std::string payload("\x00\xc0\x01\n\x00\xd6\xe6\x8e\xb5\x8d\x1e\x9d\x8d", 13);
    EXPECT_EQ(rewrite({"RESTORE", "k", "1500", payload}), encode({"RESTORE", "k", "1700000001500", payload, "ABSTTL"}));
    EXPECT_EQ(rewrite({"restore", "k", "1", payload, "REPLACE"}),
              encode({"restore", "k", "1700000000001", payload, "REPLACE", "ABSTTL"}));
    EXPECT_EQ(rewrite({"RESTORE", "k", "1", payload, "idletime", "0", "replace"}),
              encode({"RESTORE", "k", "1700000000001", payload, "idletime", "0", "replace", "ABSTTL"}));
    EXPECT_EQ(rewrite({"RESTORE", "k", "1", payload, "FREQ", "255", "FREQ", "0"}),
              encode({"RESTORE", "k", "1700000000001", payload, "FREQ", "255", "FREQ", "0", "ABSTTL"}));
}

TEST(CommandRewrite, RestoreLeftToRedis) {
    const std::string p = "payload";
    EXPECT_EQ(rewrite({"RESTORE", "k", "0", p}), kUnchanged);  // no expiry
    EXPECT_EQ(rewrite({"RESTORE", "k", "0", p, "REPLACE"}), kUnchanged);
    EXPECT_EQ(rewrite({"RESTORE", "k", "1700000000000", p, "ABSTTL"}), kUnchanged);
    EXPECT_EQ(rewrite({"RESTORE", "k", "10", p, "absttl", "REPLACE"}), kUnchanged);
    for (const char *bad : {"-1", "x", "", "01", "9223372036854775807"})
        EXPECT_EQ(rewrite({"RESTORE", "k", bad, p}), kUnchanged) << bad;
    EXPECT_EQ(rewrite({"RESTORE", "k", "10", p, "IDLETIME"}), kUnchanged);
    EXPECT_EQ(rewrite({"RESTORE", "k", "10", p, "IDLETIME", "-1"}), kUnchanged);
    EXPECT_EQ(rewrite({"RESTORE", "k", "10", p, "IDLETIME", "x"}), kUnchanged);
    EXPECT_EQ(rewrite({"RESTORE", "k", "10", p, "FREQ", "256"}), kUnchanged);
    EXPECT_EQ(rewrite({"RESTORE", "k", "10", p, "FREQ", "-1"}), kUnchanged);
    EXPECT_EQ(rewrite({"RESTORE", "k", "10", p, "IDLETIME", "1", "FREQ", "1"}), kUnchanged);
    EXPECT_EQ(rewrite({"RESTORE", "k", "10", p, "FREQ", "1", "IDLETIME", "1"}), kUnchanged);
    EXPECT_EQ(rewrite({"RESTORE", "k", "10", p, "NX"}), kUnchanged);
    EXPECT_EQ(rewrite({"RESTORE", "k", "10"}), kUnchanged);
}

// ---------------------------------------------------------- everything else

TEST(CommandRewrite, OtherCommandsGoUnchanged) {
    EXPECT_EQ(rewrite({"GET", "k"}), kUnchanged);
    EXPECT_EQ(rewrite({"SET", "k", "v"}), kUnchanged);
    EXPECT_EQ(rewrite({"PEXPIREAT", "k", "1700000000000"}), kUnchanged);
    EXPECT_EQ(rewrite({"EXPIREAT", "k", "1700000000"}), kUnchanged);
    EXPECT_EQ(rewrite({"PERSIST", "k"}), kUnchanged);
    EXPECT_EQ(rewrite({"TTL", "k"}), kUnchanged);
    EXPECT_EQ(rewrite({"EXPIRETIME", "k"}), kUnchanged);
    EXPECT_EQ(rewrite({"SETNX", "k", "v"}), kUnchanged);
    EXPECT_EQ(rewrite({"SETRANGE", "k", "0", "v"}), kUnchanged);
    EXPECT_EQ(rewrite({"GETSET", "k", "v"}), kUnchanged);
    EXPECT_EQ(rewrite({"MSET", "k", "v", "EX", "10"}), kUnchanged);
    EXPECT_EQ(rewrite({"RESTORE-ASKING", "k", "10", "p"}), kUnchanged);
    EXPECT_EQ(rewrite({"SETEXX", "k", "10", "v"}), kUnchanged);
    EXPECT_EQ(rewrite({"XEXPIRE", "k", "10"}), kUnchanged);
}

TEST(CommandRewrite, InlineRequestsAreRewritten) {
    EXPECT_EQ(rewriteInput("SET k v EX 100\r\n"), encode({"SET", "k", "v", "PXAT", "1700000100000"}));
    EXPECT_EQ(rewriteInput("expire k 5\n"), encode({"PEXPIREAT", "k", "1700000005000"}));
    EXPECT_EQ(rewriteInput("SETEX k 1 \"a b\"\r\n"), encode({"SET", "k", "a b", "PXAT", "1700000001000"}));
}

TEST(CommandRewrite, BinaryArgumentsSurvive) {
    const std::string key("k\r\n$3\r\n\0x", 9), value("*2\r\n\xff\r\n", 8);
    EXPECT_EQ(rewrite({"SET", key, value, "EX", "1"}), encode({"SET", key, value, "PXAT", "1700000001000"}));
    EXPECT_EQ(rewrite({"SETEX", key, "1", value}), encode({"SET", key, value, "PXAT", "1700000001000"}));
    EXPECT_EQ(rewrite({"EXPIRE", key, "1"}), encode({"PEXPIREAT", key, "1700000001000"}));
}

TEST(CommandRewrite, LongOptionListsAreWalked) {
    std::vector<std::string> args = {"SET", "k", "v"};
    for (int i = 0; i < 10000; i++) args.push_back(i % 2 ? "NX" : "GET");
    args.push_back("EX");
    args.push_back("3");
    std::vector<std::string> expected(args.begin(), args.end() - 2);
    expected.push_back("PXAT");
    expected.push_back("1700000003000");
    EXPECT_EQ(rewrite(args), encode(expected));
}

TEST(CommandRewrite, ForFanoutUsesTheWallClock) {
    RequestFramer framer;
    FramedRequest req;
    const std::string in = encode({"PEXPIRE", "k", "0"});
    ASSERT_EQ(framer.next(in, req), RequestFramer::Result::Request);
    auto wall = [] {
        timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
    };
    int64_t before = wall();
    std::string out;
    ASSERT_TRUE(dbsync::rewriteForFanout(req, out));
    int64_t after = wall();
    RequestFramer again;
    FramedRequest rewritten;
    ASSERT_EQ(again.next(out, rewritten), RequestFramer::Result::Request);
    ASSERT_EQ(rewritten.argc, 3u);
    int64_t at = std::stoll(std::string(rewritten.args[2]));
    EXPECT_GE(at, before);
    EXPECT_LE(at, after);

    const std::string get = encode({"GET", "k"});
    ASSERT_EQ(framer.next(get, req), RequestFramer::Result::Request);
    out = "untouched";
    EXPECT_FALSE(dbsync::rewriteForFanout(req, out));
    EXPECT_EQ(out, "untouched");
}

TEST(CommandRewrite, XclaimGetsOneDeliveryTime) {
    EXPECT_EQ(rewrite({"XCLAIM", "s", "g", "c", "0", "1-1", "2-0"}),
              encode({"XCLAIM", "s", "g", "c", "0", "1-1", "2-0", "TIME", "1700000000000"}));
    EXPECT_EQ(rewrite({"xclaim", "s", "g", "c", "10", "5", "JUSTID", "RETRYCOUNT", "3"}),
              encode({"xclaim", "s", "g", "c", "10", "5", "JUSTID", "RETRYCOUNT", "3", "TIME", "1700000000000"}));
    // IDLE ms is a delivery time ms ago.
    EXPECT_EQ(rewrite({"XCLAIM", "s", "g", "c", "0", "1-1", "IDLE", "500", "FORCE"}),
              encode({"XCLAIM", "s", "g", "c", "0", "1-1", "TIME", "1699999999500", "FORCE"}));
    // A time given already, or an IDLE Redis refuses, go as they came.
    EXPECT_EQ(rewrite({"XCLAIM", "s", "g", "c", "0", "1-1", "TIME", "5"}), kUnchanged);
    EXPECT_EQ(rewrite({"XCLAIM", "s", "g", "c", "0", "1-1", "IDLE", "-1"}), kUnchanged);
    EXPECT_EQ(rewrite({"XCLAIM", "s", "g", "c", "0", "1-1", "IDLE", "x"}), kUnchanged);
    EXPECT_EQ(rewrite({"XCLAIM", "s", "g", "c", "0"}), kUnchanged) << "no ID: Redis's arity error";
}
