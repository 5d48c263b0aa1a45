// Tests for common/reply_framer: every RESP2 reply type framed exactly as
// sent, the resumable NeedMore contract under every split, nesting of any
// depth, limits and malformed input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reply_framer.hpp"

using dbsync::FramedReply;
using dbsync::ReplyFramer;
using dbsync::ReplyFramerLimits;
using dbsync::ReplyKind;
using Result = ReplyFramer::Result;

namespace {

struct Seen {
    std::string bytes;
    ReplyKind kind;
    bool operator==(const Seen &o) const { return bytes == o.bytes && kind == o.kind; }
};

std::ostream &operator<<(std::ostream &os, const Seen &s) {
    os << "{" << dbsync::replyKindName(s.kind) << " ";
    for (char c : s.bytes.substr(0, 80)) {
        if (c == '\r') os << "\\r";
        else if (c == '\n') os << "\\n";
        else os << c;
    }
    return os << (s.bytes.size() > 80 ? "...}" : "}");
}

// Emulates the daemon's read loop: a buffer that grows with each read and
// loses each framed reply from its front.
class Stream {
public:
    explicit Stream(ReplyFramerLimits limits = {}) : framer(limits) {}

    Result feed(std::string_view bytes) {
        buffer.append(bytes);
        for (;;) {
            FramedReply out;
            Result r = framer.next(buffer, out);
            if (r != Result::Reply) {
                if (r == Result::Error) error = framer.error();
                return r;
            }
            // Zero-copy: the reply is the front of the input.
            EXPECT_EQ(out.bytes.data(), buffer.data());
            EXPECT_FALSE(out.bytes.empty());
            seen.push_back({std::string(out.bytes), out.kind});
            buffer.erase(0, out.bytes.size());
        }
    }

    ReplyFramer framer;
    std::string buffer;
    std::vector<Seen> seen;
    std::string error;
};

Result frameOnce(std::string_view input, FramedReply &out, ReplyFramerLimits limits = {},
                 std::string *error = nullptr) {
    ReplyFramer f(limits);
    Result r = f.next(input, out);
    if (error) *error = f.error();
    return r;
}

std::string errorOf(std::string_view input, ReplyFramerLimits limits = {}) {
    Stream s(limits);
    EXPECT_EQ(s.feed(input), Result::Error) << "input: " << Seen{std::string(input), ReplyKind::Status};
    return s.error;
}

std::string nested(size_t depth, std::string_view leaf = ":1\r\n") {
    std::string out;
    out.reserve(depth * 4 + leaf.size());
    for (size_t i = 0; i < depth; i++) out += "*1\r\n";
    out += leaf;
    return out;
}

// One of each shape, nested ones included: what the split tests cut up.
const std::vector<Seen> &sampleReplies() {
    static const std::vector<Seen> samples = {
        {"+OK\r\n", ReplyKind::Status},
        {"+\r\n", ReplyKind::Status},
        {"-ERR unknown command 'FOO'\r\n", ReplyKind::Error},
        {"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ReplyKind::Error},
        {":0\r\n", ReplyKind::Integer},
        {":-9223372036854775808\r\n", ReplyKind::Integer},
        {"$5\r\nhello\r\n", ReplyKind::Bulk},
        {"$0\r\n\r\n", ReplyKind::Bulk},
        {std::string("$7\r\na\r\nb\0\r\n\r\n", 13), ReplyKind::Bulk},
        {"$-1\r\n", ReplyKind::NullBulk},
        {"*-1\r\n", ReplyKind::NullArray},
        {"*0\r\n", ReplyKind::Array},
        {"*3\r\n$1\r\na\r\n:2\r\n$-1\r\n", ReplyKind::Array},
        {"*2\r\n*2\r\n+a\r\n-b\r\n*0\r\n", ReplyKind::Array},
        {"*2\r\n+OK\r\n-ERR nested error\r\n", ReplyKind::Array},  // EXEC with a failed command
        {"*3\r\n*-1\r\n$-1\r\n*1\r\n*-1\r\n", ReplyKind::Array},
        {nested(12, "$3\r\nend\r\n"), ReplyKind::Array},
    };
    return samples;
}

std::string concatenated(const std::vector<Seen> &replies) {
    std::string all;
    for (const Seen &s : replies) all += s.bytes;
    return all;
}

}  // namespace

// ---------------------------------------------------------------- each type

TEST(ReplyFramer, EveryTypeIsFramedWithItsKind) {
    for (const Seen &want : sampleReplies()) {
        SCOPED_TRACE(::testing::PrintToString(want));
        FramedReply out;
        ASSERT_EQ(frameOnce(want.bytes, out), Result::Reply);
        EXPECT_EQ(out.bytes, want.bytes);
        EXPECT_EQ(out.bytes.data(), want.bytes.data());
        EXPECT_EQ(out.kind, want.kind);
        EXPECT_EQ(out.isError(), want.kind == ReplyKind::Error);
    }
}

TEST(ReplyFramer, NullArrayIsNotANullBulkString) {
    FramedReply array, bulk;
    ASSERT_EQ(frameOnce("*-1\r\n", array), Result::Reply);
    ASSERT_EQ(frameOnce("$-1\r\n", bulk), Result::Reply);
    EXPECT_EQ(array.kind, ReplyKind::NullArray);
    EXPECT_EQ(array.bytes, "*-1\r\n");
    EXPECT_EQ(bulk.kind, ReplyKind::NullBulk);
    EXPECT_EQ(bulk.bytes, "$-1\r\n");
    EXPECT_STREQ(dbsync::replyKindName(array.kind), "null array");
    EXPECT_STREQ(dbsync::replyKindName(bulk.kind), "null bulk");
}

TEST(ReplyFramer, AnErrorInsideAnArrayIsNotAnErrorReply) {
    FramedReply out;
    ASSERT_EQ(frameOnce("*1\r\n-ERR inside\r\n", out), Result::Reply);
    EXPECT_EQ(out.kind, ReplyKind::Array);
    EXPECT_FALSE(out.isError());
}

TEST(ReplyFramer, BulkPayloadMayHoldAnything) {
    std::string payload;
    for (int i = 0; i < 256; i++) payload += static_cast<char>(i);
    payload += "\r\n*5\r\n$-1\r\n";
    const std::string in = "$" + std::to_string(payload.size()) + "\r\n" + payload + "\r\n";
    FramedReply out;
    const std::string stream = in + "+next\r\n";
    ASSERT_EQ(frameOnce(stream, out), Result::Reply);
    EXPECT_EQ(out.bytes, in);
    EXPECT_EQ(out.kind, ReplyKind::Bulk);
}

TEST(ReplyFramer, TextLineKeepsALoneCrOrLf) {
    // hiredis ends a status line at the first CRLF only; so does the framer.
    const std::string in = "+a\rb\nc\r\n";
    FramedReply out;
    const std::string stream = in + ":1\r\n";
    ASSERT_EQ(frameOnce(stream, out), Result::Reply);
    EXPECT_EQ(out.bytes, in);
}

TEST(ReplyFramer, ExtremeIntegersAndLeadingZeros) {
    for (const char *in : {":9223372036854775807\r\n", ":-9223372036854775808\r\n", ":007\r\n", "$00\r\n\r\n"}) {
        SCOPED_TRACE(in);
        FramedReply out;
        ASSERT_EQ(frameOnce(in, out), Result::Reply);
        EXPECT_EQ(out.bytes, in);
    }
}

// ------------------------------------------------------- streams and splits

TEST(ReplyFramer, RepliesInOneBufferComeOutInOrder) {
    Stream s;
    EXPECT_EQ(s.feed(concatenated(sampleReplies())), Result::NeedMore);
    EXPECT_EQ(s.seen, sampleReplies());
    EXPECT_TRUE(s.buffer.empty());
    EXPECT_FALSE(s.framer.midReply());
}

TEST(ReplyFramer, EverySplitPointGivesTheSameReplies) {
    const std::string all = concatenated(sampleReplies());
    for (size_t cut = 0; cut <= all.size(); cut++) {
        SCOPED_TRACE("cut at " + std::to_string(cut));
        Stream s;
        EXPECT_EQ(s.feed(std::string_view(all).substr(0, cut)), Result::NeedMore);
        EXPECT_EQ(s.feed(std::string_view(all).substr(cut)), Result::NeedMore);
        ASSERT_EQ(s.seen, sampleReplies());
    }
}

TEST(ReplyFramer, EveryPairOfSplitPointsGivesTheSameReplies) {
    // Three reads: a cut inside a header and another inside what follows.
    std::vector<Seen> some(sampleReplies().begin() + 10, sampleReplies().end());
    const std::string all = concatenated(some);
    for (size_t a = 0; a <= all.size(); a++) {
        for (size_t b = a; b <= all.size(); b++) {
            Stream s;
            s.feed(std::string_view(all).substr(0, a));
            s.feed(std::string_view(all).substr(a, b - a));
            ASSERT_EQ(s.feed(std::string_view(all).substr(b)), Result::NeedMore) << a << "," << b;
            ASSERT_EQ(s.seen, some) << "cuts at " << a << " and " << b;
        }
    }
}

TEST(ReplyFramer, OneByteAtATime) {
    const std::string all = concatenated(sampleReplies());
    Stream s;
    for (char c : all) {
        EXPECT_EQ(s.feed(std::string_view(&c, 1)), Result::NeedMore);
    }
    EXPECT_EQ(s.seen, sampleReplies());
}

TEST(ReplyFramer, MidReplyWhileIncomplete) {
    Stream s;
    EXPECT_FALSE(s.framer.midReply());
    s.feed("*2\r\n:1\r\n");
    EXPECT_TRUE(s.framer.midReply());
    s.feed(":2\r\n");
    EXPECT_FALSE(s.framer.midReply());
    ASSERT_EQ(s.seen.size(), 1u);
    for (const char *part : {"$", "+OK", "+OK\r", "$3\r\nab"}) {
        Stream t;
        t.feed(part);
        EXPECT_TRUE(t.framer.midReply()) << part;
    }
}

TEST(ReplyFramer, EmptyInputNeedsMore) {
    FramedReply out;
    EXPECT_EQ(frameOnce("", out), Result::NeedMore);
}

TEST(ReplyFramer, ResumesWithoutRescanningATextLine) {
    // The contract is to pass the same bytes again; the framer relies on it
    // and does not look at bytes it already checked. Changing one of them
    // behind its back shows that it did not: a CRLF planted in the checked
    // part is not seen.
    ReplyFramer f;
    FramedReply out;
    std::string in = "+" + std::string(1000, 'x');
    ASSERT_EQ(f.next(in, out), Result::NeedMore);
    in[10] = '\r';
    in[11] = '\n';
    in += "\r\n";
    ASSERT_EQ(f.next(in, out), Result::Reply);
    EXPECT_EQ(out.bytes.size(), in.size());
}

TEST(ReplyFramer, LargeBulkInSmallReads) {
    const size_t size = 8u << 20;
    std::string payload(size, 'v');
    for (size_t i = 0; i < size; i += 4096) payload[i] = '\r', payload[i + 1] = '\n';
    const std::string in = "$" + std::to_string(size) + "\r\n" + payload + "\r\n";
    Stream s;
    for (size_t off = 0; off < in.size(); off += 64 * 1024)
        ASSERT_EQ(s.feed(std::string_view(in).substr(off, 64 * 1024)), Result::NeedMore);
    ASSERT_EQ(s.seen.size(), 1u);
    EXPECT_EQ(s.seen[0].bytes.size(), in.size());
    EXPECT_TRUE(s.seen[0].bytes == in);
}

// ------------------------------------------------------------------ nesting

TEST(ReplyFramer, HundredThousandLevelsDeep) {
    const std::string in = nested(100000);
    FramedReply out;
    const std::string stream = in + "+after\r\n";
    ASSERT_EQ(frameOnce(stream, out), Result::Reply);
    EXPECT_EQ(out.bytes.size(), in.size());
    EXPECT_EQ(out.kind, ReplyKind::Array);
}

TEST(ReplyFramer, DeepNestingInSmallReads) {
    const std::string in = nested(100000, "*-1\r\n") + nested(3, "$-1\r\n");
    Stream s;
    for (size_t off = 0; off < in.size(); off += 7) s.feed(std::string_view(in).substr(off, 7));
    ASSERT_EQ(s.seen.size(), 2u);
    EXPECT_EQ(s.seen[0].bytes, nested(100000, "*-1\r\n"));
    EXPECT_EQ(s.seen[1].bytes, nested(3, "$-1\r\n"));
}

TEST(ReplyFramer, CommandDocsShapedReply) {
    // COMMAND DOCS nests past hiredis 0.14's limit of 7 levels: command ->
    // doc map -> arguments -> argument -> sub-arguments -> ...
    std::string in = "*2\r\n$3\r\nset\r\n";
    in += nested(9, "*2\r\n$4\r\nname\r\n$3\r\nkey\r\n");
    FramedReply out;
    ASSERT_EQ(frameOnce(in, out), Result::Reply);
    EXPECT_EQ(out.bytes, in);
}

TEST(ReplyFramer, WideArray) {
    std::string in = "*100000\r\n";
    for (int i = 0; i < 100000; i++) in += (i % 3 == 0) ? "$1\r\nx\r\n" : (i % 3 == 1) ? ":5\r\n" : "*0\r\n";
    Stream s;
    s.feed(in);
    ASSERT_EQ(s.seen.size(), 1u);
    EXPECT_EQ(s.seen[0].bytes.size(), in.size());
}

// ---------------------------------------------------------------- bad input

TEST(ReplyFramer, UnknownTypeByte) {
    std::string e = errorOf("hello\r\n");
    EXPECT_EQ(e, "protocol error in reply: unknown reply type byte 0x68 at offset 0");
    e = errorOf("*2\r\n:1\r\n\x01");
    EXPECT_EQ(e, "protocol error in reply: unknown reply type byte 0x01 at offset 8");
}

TEST(ReplyFramer, Resp3TypesAreRefusedWithoutCrashing) {
    for (const char *in : {"_\r\n", "#t\r\n", ",1.5\r\n", "(12345678901234567890\r\n", "=7\r\ntxt:abc\r\n",
                           "!3\r\nERR\r\n", "%1\r\n+a\r\n+b\r\n", "~1\r\n+a\r\n", "|1\r\n+a\r\n+b\r\n",
                           ">2\r\n+message\r\n+x\r\n", "*1\r\n%0\r\n"}) {
        SCOPED_TRACE(in);
        std::string e = errorOf(in);
        EXPECT_NE(e.find("RESP3 reply type"), std::string::npos) << e;
        EXPECT_NE(e.find("HELLO 3"), std::string::npos) << e;
    }
}

TEST(ReplyFramer, BadLengths) {
    EXPECT_EQ(errorOf("$-2\r\n"), "protocol error in reply: bad bulk string length -2");
    EXPECT_EQ(errorOf("*-5\r\n"), "protocol error in reply: bad array length -5");
    EXPECT_EQ(errorOf("$abc\r\n"), "protocol error in reply: bad bulk string length");
    EXPECT_EQ(errorOf("$\r\n"), "protocol error in reply: bad bulk string length");
    EXPECT_EQ(errorOf("*1x\r\n"), "protocol error in reply: bad array length");
    EXPECT_EQ(errorOf(":\r\n"), "protocol error in reply: bad integer");
    EXPECT_EQ(errorOf(":12a\r\n"), "protocol error in reply: bad integer");
    EXPECT_EQ(errorOf(":99999999999999999999\r\n"), "protocol error in reply: bad integer");
    EXPECT_EQ(errorOf("$+3\r\nabc\r\n"), "protocol error in reply: bad bulk string length");
}

TEST(ReplyFramer, NumberLineWithoutCrlfFailsOnceTooLong) {
    // No waiting forever for the end of a header that cannot be valid.
    Stream s;
    EXPECT_EQ(s.feed("$" + std::string(21, '1')), Result::NeedMore);
    EXPECT_EQ(s.feed("1"), Result::Error);
    EXPECT_EQ(s.error, "protocol error in reply: bad bulk string length");
}

TEST(ReplyFramer, MissingCrlf) {
    EXPECT_EQ(errorOf("$3\r\nabcXY"), "protocol error in reply: bulk string not followed by CRLF");
    EXPECT_EQ(errorOf("$3\r\nabc\rX"), "protocol error in reply: bulk string not followed by CRLF");
    EXPECT_EQ(errorOf("$3\nabc\r\n"), "protocol error in reply: bad bulk string length");
    EXPECT_EQ(errorOf(":1\rX"), "protocol error in reply: bad integer");
    EXPECT_EQ(errorOf("*1\n:1\r\n"), "protocol error in reply: bad array length");
}

TEST(ReplyFramer, ErrorIsStickyUntilReset) {
    ReplyFramer f;
    FramedReply out;
    ASSERT_EQ(f.next("?", out), Result::Error);
    EXPECT_EQ(f.next("+OK\r\n", out), Result::Error);
    EXPECT_FALSE(f.error().empty());
    f.reset();
    EXPECT_TRUE(f.error().empty());
    ASSERT_EQ(f.next("+OK\r\n", out), Result::Reply);
    EXPECT_EQ(out.bytes, "+OK\r\n");
}

TEST(ReplyFramer, ResetDropsAPartialReply) {
    ReplyFramer f;
    FramedReply out;
    ASSERT_EQ(f.next("*3\r\n:1\r\n", out), Result::NeedMore);
    EXPECT_TRUE(f.midReply());
    f.reset();
    EXPECT_FALSE(f.midReply());
    ASSERT_EQ(f.next(":7\r\n", out), Result::Reply);
    EXPECT_EQ(out.bytes, ":7\r\n");
    EXPECT_EQ(out.kind, ReplyKind::Integer);
}

// ------------------------------------------------------------------- limits

TEST(ReplyFramer, DefaultsAcceptA512MegabyteBulkHeader) {
    ReplyFramer f;
    FramedReply out;
    EXPECT_EQ(f.next("$536870912\r\n", out), Result::NeedMore);
    EXPECT_EQ(errorOf("$536870913\r\n"),
              "protocol error in reply: bulk string of 536870913 bytes exceeds the 536870912 byte limit");
}

TEST(ReplyFramer, BulkLimit) {
    ReplyFramerLimits limits;
    limits.max_bulk_bytes = 10;
    FramedReply out;
    EXPECT_EQ(frameOnce("$10\r\n0123456789\r\n", out, limits), Result::Reply);
    EXPECT_EQ(errorOf("*1\r\n$11\r\n", limits),
              "protocol error in reply: bulk string of 11 bytes exceeds the 10 byte limit");
}

TEST(ReplyFramer, ReplyLimit) {
    ReplyFramerLimits limits;
    limits.max_reply_bytes = 16;
    const std::string fits = "*2\r\n$2\r\nab\r\n:12\r\n";  // 17 bytes: one too many
    FramedReply out;
    EXPECT_EQ(frameOnce(fits.substr(0, 12) + ":1\r\n", out, limits), Result::Reply);  // exactly 16
    const std::string want = "protocol error in reply: reply longer than the 16 byte limit";
    EXPECT_EQ(errorOf(fits, limits), want);
    EXPECT_EQ(errorOf("$13\r\n", limits), want);                // payload would end past the limit
    EXPECT_EQ(errorOf("*5\r\n", limits),                       // 5 elements need 15 more bytes
              "protocol error in reply: arrays announce 5 more elements than fit in the 16 byte reply limit");
    EXPECT_EQ(errorOf("+" + std::string(15, 'x'), limits), want);  // a text line cannot end in time
    // Each reply has the limit to itself.
    Stream s(limits);
    EXPECT_EQ(s.feed("+" + std::string(13, 'x') + "\r\n+" + std::string(13, 'y') + "\r\n"), Result::NeedMore);
    EXPECT_EQ(s.seen.size(), 2u);
}

TEST(ReplyFramer, ArrayLengthsThatOverflowACounter) {
    std::string in;
    for (int i = 0; i < 3; i++) in += "*9223372036854775807\r\n";
    // Every element takes 3 bytes or more, so the count is bounded long
    // before it could wrap.
    EXPECT_EQ(errorOf(in).substr(0, 41), "protocol error in reply: arrays announce ");
}

TEST(ReplyFramer, HugeBulkLengthWithoutLimits) {
    // With both limits lifted, the largest length is awaited, not wrapped.
    ReplyFramerLimits limits;
    limits.max_bulk_bytes = std::numeric_limits<size_t>::max();
    ReplyFramer f(limits);
    FramedReply out;
    EXPECT_EQ(f.next("$9223372036854775807\r\nabc", out), Result::NeedMore);
    EXPECT_TRUE(f.midReply());
    limits.max_reply_bytes = 100;
    EXPECT_EQ(errorOf("$9223372036854775807\r\n", limits),
              "protocol error in reply: reply longer than the 100 byte limit");
}

// -------------------------------------------------------------- fingerprint

TEST(ReplyFramer, FingerprintTellsRepliesApart) {
    EXPECT_EQ(dbsync::replyFingerprint("$3\r\nabc\r\n"), dbsync::replyFingerprint(std::string("$3\r\nabc\r\n")));
    EXPECT_NE(dbsync::replyFingerprint("$3\r\nabc\r\n"), dbsync::replyFingerprint("$3\r\nabd\r\n"));
    EXPECT_NE(dbsync::replyFingerprint("*-1\r\n"), dbsync::replyFingerprint("$-1\r\n"));
    EXPECT_NE(dbsync::replyFingerprint(":1\r\n"), dbsync::replyFingerprint(":10\r\n"));
}
