// Tests for client/reply_reader and client/reply_decoder: the
// client core's replies, fed in any split, decoded at any depth up to the
// bound, and the bytes left over that reveal a reply nobody asked for.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client/reply_decoder.hpp"
#include "client/reply_reader.hpp"

using dbsync::Reply;
using dbsync::ReplyReader;
using Result = ReplyReader::Result;
using T = Reply::Type;

namespace {

// A compact text form of a reply tree, for comparing whole trees.
std::string show(const Reply &r) {
    switch (r.type) {
    case T::Status: return "+" + r.str;
    case T::Error: return "-" + r.str;
    case T::String: return "'" + r.str + "'";
    case T::Integer: return std::to_string(r.integer);
    case T::Nil: return "nil";
    case T::Array: {
        std::string out = "[";
        for (size_t i = 0; i < r.elements.size(); i++) out += (i ? "," : "") + show(r.elements[i]);
        return out + "]";
    }
    }
    return "?";
}

std::string nested(size_t depth, std::string_view leaf = ":1\r\n") {
    std::string out;
    for (size_t i = 0; i < depth; i++) out += "*1\r\n";
    out += leaf;
    return out;
}

// Feeds `bytes` and collects every reply; stops at an error.
std::vector<std::string> readAll(ReplyReader &reader, std::string_view bytes, Result *last = nullptr) {
    std::vector<std::string> out;
    EXPECT_TRUE(reader.feed(bytes.data(), bytes.size()));
    Reply r;
    Result res;
    while ((res = reader.next(r)) == Result::Reply) out.push_back(show(r));
    if (last) *last = res;
    return out;
}

const std::string kStream = std::string("+OK\r\n-ERR bad\r\n:-42\r\n$3\r\nabc\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n") +
                            "*3\r\n:1\r\n*2\r\n$1\r\nx\r\n*0\r\n$-1\r\n" + "$4\r\na\r\nb\r\n" + nested(10);

const std::vector<std::string> kStreamShown = {
    "+OK", "-ERR bad", "-42", "'abc'", "''", "nil", "nil", "[]", "[1,['x',[]],nil]", "'a\r\nb'",
    "[[[[[[[[[[1]]]]]]]]]]"};

}  // namespace

TEST(ReplyReader, EveryTypeDecodes) {
    ReplyReader reader;
    Result last;
    EXPECT_EQ(readAll(reader, kStream, &last), kStreamShown);
    EXPECT_EQ(last, Result::NeedMore);
    EXPECT_FALSE(reader.hasBufferedInput());
}

TEST(ReplyReader, NullArrayAndNullBulkAreBothNil) {
    for (const char *in : {"*-1\r\n", "$-1\r\n"}) {
        Reply r;
        std::string err;
        ASSERT_TRUE(dbsync::decodeReply(in, r, err));
        EXPECT_EQ(r.type, T::Nil);
    }
}

TEST(ReplyReader, EverySplitPointGivesTheSameReplies) {
    for (size_t cut = 0; cut <= kStream.size(); cut++) {
        ReplyReader reader;
        std::vector<std::string> got = readAll(reader, std::string_view(kStream).substr(0, cut));
        for (std::string &s : readAll(reader, std::string_view(kStream).substr(cut))) got.push_back(s);
        ASSERT_EQ(got, kStreamShown) << "cut at " << cut;
    }
}

TEST(ReplyReader, OneByteAtATime) {
    ReplyReader reader;
    std::vector<std::string> got;
    for (char c : kStream)
        for (std::string &s : readAll(reader, std::string_view(&c, 1))) got.push_back(s);
    EXPECT_EQ(got, kStreamShown);
}

TEST(ReplyReader, RepliesDeeperThanHiredis014Allows) {
    // hiredis 0.14's reader stops at 7 levels below the top.
    ReplyReader reader;
    std::vector<std::string> got = readAll(reader, nested(9) + nested(50, "$4\r\ndeep\r\n"));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0], std::string(9, '[') + "1" + std::string(9, ']'));
    EXPECT_EQ(got[1], std::string(50, '[') + "'deep'" + std::string(50, ']'));
}

TEST(ReplyReader, DefaultDepthCoversWhatLuaCanBuild) {
    ReplyReader reader;
    const std::string in = nested(dbsync::kDefaultMaxReplyDepth, "+leaf\r\n");
    ASSERT_TRUE(reader.feed(in.data(), in.size()));
    Reply r;
    ASSERT_EQ(reader.next(r), Result::Reply);
    const Reply *p = &r;
    size_t levels = 0;
    while (p->type == T::Array) {
        ASSERT_EQ(p->elements.size(), 1u);
        p = &p->elements[0];
        levels++;
    }
    EXPECT_EQ(levels, dbsync::kDefaultMaxReplyDepth);
    EXPECT_EQ(p->str, "leaf");
}

TEST(ReplyReader, TooDeepIsAClearErrorNotACrash) {
    ReplyReader reader;
    Result last;
    EXPECT_TRUE(readAll(reader, nested(100000), &last).empty());
    EXPECT_EQ(last, Result::Error);
    EXPECT_EQ(reader.error(), "reply nests deeper than 10000 levels");
    // The stream is given up: nothing more is accepted until reset().
    EXPECT_FALSE(reader.feed("+OK\r\n", 5));
    reader.reset();
    EXPECT_EQ(readAll(reader, "+OK\r\n"), std::vector<std::string>{"+OK"});
}

TEST(ReplyReader, DepthIsAParameter) {
    ReplyReader reader(3);
    Result last;
    EXPECT_EQ(readAll(reader, nested(3), &last), std::vector<std::string>{"[[[1]]]"});
    EXPECT_TRUE(readAll(reader, "*2\r\n:1\r\n" + nested(3), &last).empty());
    EXPECT_EQ(last, Result::Error);
    EXPECT_EQ(reader.error(), "reply nests deeper than 3 levels");
}

TEST(ReplyReader, ProtocolErrorStopsTheStream) {
    ReplyReader reader;
    Result last;
    EXPECT_EQ(readAll(reader, "+OK\r\n?oops\r\n", &last), std::vector<std::string>{"+OK"});
    EXPECT_EQ(last, Result::Error);
    EXPECT_EQ(reader.error(), "protocol error in reply: unknown reply type byte 0x3f at offset 0");
}

TEST(ReplyReader, LeftoverBytesShowAReplyNobodyReadYet) {
    ReplyReader reader;
    const std::string two = "+first\r\n+second\r\n";
    ASSERT_TRUE(reader.feed(two.data(), two.size()));
    Reply r;
    ASSERT_EQ(reader.next(r), Result::Reply);
    EXPECT_EQ(r.str, "first");
    EXPECT_TRUE(reader.hasBufferedInput());
    ASSERT_EQ(reader.next(r), Result::Reply);
    EXPECT_EQ(r.str, "second");
    EXPECT_FALSE(reader.hasBufferedInput());
    // Part of a reply counts too.
    ASSERT_TRUE(reader.feed("+thi", 4));
    EXPECT_EQ(reader.next(r), Result::NeedMore);
    EXPECT_TRUE(reader.hasBufferedInput());
    reader.reset();
    EXPECT_FALSE(reader.hasBufferedInput());
}

TEST(ReplyReader, LargeReplyInSmallReads) {
    std::string in = "*2\r\n$" + std::to_string(4u << 20) + "\r\n" + std::string(4u << 20, 'z') + "\r\n:7\r\n";
    ReplyReader reader;
    Reply r;
    for (size_t off = 0; off < in.size(); off += 64 * 1024) {
        std::string_view piece = std::string_view(in).substr(off, 64 * 1024);
        ASSERT_TRUE(reader.feed(piece.data(), piece.size()));
        Result res = reader.next(r);
        ASSERT_EQ(res, off + piece.size() < in.size() ? Result::NeedMore : Result::Reply);
    }
    ASSERT_EQ(r.elements.size(), 2u);
    EXPECT_EQ(r.elements[0].str.size(), 4u << 20);
    EXPECT_EQ(r.elements[1].integer, 7);
}

TEST(ReplyDecoder, RefusesWhatIsNotOneWholeReply) {
    Reply r;
    std::string err;
    EXPECT_FALSE(dbsync::decodeReply("+OK\r\n+OK\r\n", r, err));
    EXPECT_EQ(err, "malformed reply: bytes after the reply at offset 5");
    EXPECT_FALSE(dbsync::decodeReply("*2\r\n$1\r\nx\r\n", r, err));
    EXPECT_EQ(err, "malformed reply: reply ends early at offset 11");
    EXPECT_FALSE(dbsync::decodeReply("*2\r\n:1\r\n+ab", r, err));
    EXPECT_EQ(err, "malformed reply: line without CRLF at offset 8");
    EXPECT_FALSE(dbsync::decodeReply("$5\r\nab\r\n", r, err));
    EXPECT_EQ(err, "malformed reply: bulk string not followed by CRLF at offset 4");
    EXPECT_FALSE(dbsync::decodeReply("*1000\r\n:1\r\n", r, err));
    EXPECT_EQ(err, "malformed reply: array longer than the reply at offset 7");
    EXPECT_FALSE(dbsync::decodeReply("", r, err));
    EXPECT_FALSE(dbsync::decodeReply("%1\r\n", r, err));
    EXPECT_EQ(r.type, T::Nil);  // nothing half-built is left behind
}
