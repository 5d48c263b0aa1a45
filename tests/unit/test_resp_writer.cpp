// Tests for common/resp_writer: the exact RESP2 bytes for commands and replies.
#include <gtest/gtest.h>

#include <climits>

#include "request_framer.hpp"
#include "resp_writer.hpp"

namespace resp = dbsync::resp;
using namespace std::string_literals;

TEST(RespWriter, Command) {
    std::string out;
    resp::appendCommand(out, std::vector<std::string>{"SET", "k", "hello"});
    EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n");
    std::string views;
    resp::appendCommand(views, std::vector<std::string_view>{"SET", "k", "hello"});
    EXPECT_EQ(views, out);
}

TEST(RespWriter, CommandAppends) {
    std::string out = "prefix";
    resp::appendCommand(out, std::vector<std::string>{"PING"});
    EXPECT_EQ(out, "prefix*1\r\n$4\r\nPING\r\n");
}

TEST(RespWriter, EmptyCommandAndArguments) {
    std::string out;
    resp::appendCommand(out, std::vector<std::string>{});
    EXPECT_EQ(out, "*0\r\n");
    out.clear();
    resp::appendCommand(out, std::vector<std::string>{"SET", "", std::string("\0\r\n", 3)});
    EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$3\r\n\0\r\n\r\n"s);
}

TEST(RespWriter, Bulk) {
    std::string out;
    resp::appendBulk(out, "");
    resp::appendBulk(out, "abc");
    EXPECT_EQ(out, "$0\r\n\r\n$3\r\nabc\r\n");
    std::string big(100000, 'z');
    out.clear();
    resp::appendBulk(out, big);
    EXPECT_EQ(out, "$100000\r\n" + big + "\r\n");
}

TEST(RespWriter, Integers) {
    std::string out;
    resp::appendInteger(out, 0);
    resp::appendInteger(out, -42);
    resp::appendInteger(out, LLONG_MAX);
    resp::appendInteger(out, LLONG_MIN);
    EXPECT_EQ(out, ":0\r\n:-42\r\n:9223372036854775807\r\n:-9223372036854775808\r\n");
}

TEST(RespWriter, ArrayHeaderAndNil) {
    std::string out;
    resp::appendArrayHeader(out, 2);
    resp::appendNil(out);
    resp::appendArrayHeader(out, -1);
    EXPECT_EQ(out, "*2\r\n$-1\r\n*-1\r\n");
}

TEST(RespWriter, StatusAndError) {
    std::string out;
    resp::appendStatus(out, "OK");
    resp::appendError(out, "ERR unknown command 'FOO'");
    EXPECT_EQ(out, "+OK\r\n-ERR unknown command 'FOO'\r\n");
}

TEST(RespWriter, LineBreaksInsideErrorsAndStatusesBecomeSpaces) {
    std::string out;
    resp::appendError(out, "ERR connection reset\r\nby peer\n");
    EXPECT_EQ(out, "-ERR connection reset  by peer \r\n");
    out.clear();
    resp::appendStatus(out, "a\rb");
    EXPECT_EQ(out, "+a b\r\n");
}

TEST(RespWriter, CommandsRoundTripThroughTheFramer) {
    std::vector<std::string> args = {"HSET", "h", std::string("\r\n\r\n"), "", std::string(70000, 'v'), "*1"};
    std::string out;
    resp::appendCommand(out, args);
    dbsync::RequestFramer framer;
    dbsync::FramedRequest req;
    ASSERT_EQ(framer.next(out, req), dbsync::RequestFramer::Result::Request);
    EXPECT_EQ(req.consumed, out.size());
    EXPECT_EQ(req.argc, args.size());
    EXPECT_EQ(req.args[0], "HSET");
    EXPECT_EQ(req.args[2], args[2]);
}
