// libFuzzer target for common/reply_framer (and the client core's decoder
// of what it frames, client/reply_decoder).
//
// The input is split into reads (the first byte picks the read sizes) and
// fed to the framer the way dbsyncd will: a growing buffer, each framed
// reply dropped from its front. Checked on every call:
//   - a reply is the front of the buffer, within the byte limit, and its
//     kind matches its type byte (isError() exactly for '-');
//   - the reply alone frames again as exactly that reply;
//   - it decodes into a Reply tree of the same kind, unless it nests
//     deeper than the decoder's bound, which must then say so;
//   - after Error the framer stays in Error until reset();
//   - splitting the same input differently gives the same replies, and an
//     error at the same point.
// Limits are small so the fuzzer reaches them.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "client/reply_decoder.hpp"
#include "reply_framer.hpp"

namespace {

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            std::fprintf(stderr, "invariant failed: %s (line %d)\n", #cond, __LINE__); \
            std::abort();                                                             \
        }                                                                             \
    } while (0)

using dbsync::FramedReply;
using dbsync::Reply;
using dbsync::ReplyFramer;
using dbsync::ReplyFramerLimits;
using dbsync::ReplyKind;
using Result = ReplyFramer::Result;

constexpr size_t kDecodeDepth = 64;

// The kind a reply's first line says it has; the length of "$-01" is -1 too.
ReplyKind kindOfFirstLine(std::string_view bytes) {
    const bool null = std::strtoll(std::string(bytes.substr(1, bytes.find('\r') - 1)).c_str(), nullptr, 10) == -1;
    switch (bytes[0]) {
    case '+': return ReplyKind::Status;
    case '-': return ReplyKind::Error;
    case ':': return ReplyKind::Integer;
    case '$': return null ? ReplyKind::NullBulk : ReplyKind::Bulk;
    case '*': return null ? ReplyKind::NullArray : ReplyKind::Array;
    }
    CHECK(!"a reply starts with a RESP2 type byte");
    return ReplyKind::Status;
}

void checkReply(const FramedReply &reply, const ReplyFramerLimits &limits) {
    CHECK(reply.bytes.size() >= 3);
    CHECK(reply.bytes.size() <= limits.max_reply_bytes);
    CHECK(reply.bytes.substr(reply.bytes.size() - 2) == "\r\n");
    CHECK(reply.kind == kindOfFirstLine(reply.bytes));
    CHECK(reply.isError() == (reply.bytes[0] == '-'));

    ReplyFramer again(limits);
    FramedReply out;
    CHECK(again.next(reply.bytes, out) == Result::Reply);
    CHECK(out.bytes == reply.bytes);
    CHECK(out.kind == reply.kind);

    Reply tree;
    std::string error;
    if (!dbsync::decodeReply(reply.bytes, tree, error, kDecodeDepth)) {
        CHECK(error == "reply nests deeper than " + std::to_string(kDecodeDepth) + " levels");
        CHECK(reply.kind == ReplyKind::Array);
        return;
    }
    switch (reply.kind) {
    case ReplyKind::Status: CHECK(tree.type == Reply::Type::Status); break;
    case ReplyKind::Error: CHECK(tree.type == Reply::Type::Error); break;
    case ReplyKind::Integer: CHECK(tree.type == Reply::Type::Integer); break;
    case ReplyKind::Bulk: CHECK(tree.type == Reply::Type::String); break;
    case ReplyKind::NullBulk:
    case ReplyKind::NullArray: CHECK(tree.type == Reply::Type::Nil); break;
    case ReplyKind::Array: CHECK(tree.type == Reply::Type::Array); break;
    }
}

struct Outcome {
    std::vector<std::string> replies;
    bool error = false;
    bool operator==(const Outcome &o) const { return replies == o.replies && error == o.error; }
};

Outcome run(const uint8_t *data, size_t size, const std::vector<size_t> &reads, const ReplyFramerLimits &limits) {
    Outcome outcome;
    ReplyFramer framer(limits);
    std::string buffer;
    size_t fed = 0;
    size_t read = 0;
    while (fed < size || read == 0) {
        size_t n = reads.empty() ? size : reads[read % reads.size()];
        read++;
        if (n > size - fed) n = size - fed;
        buffer.append(reinterpret_cast<const char *>(data) + fed, n);
        fed += n;
        for (;;) {
            FramedReply out;
            Result r = framer.next(buffer, out);
            if (r == Result::Error) {
                CHECK(framer.error().rfind("protocol error in reply: ", 0) == 0);
                CHECK(framer.next(buffer, out) == Result::Error);
                framer.reset();
                CHECK(framer.error().empty());
                outcome.error = true;
                return outcome;
            }
            if (r == Result::NeedMore) {
                CHECK(framer.midReply() == !buffer.empty());
                break;
            }
            CHECK(out.bytes.data() == buffer.data());
            checkReply(out, limits);
            outcome.replies.emplace_back(out.bytes);
            buffer.erase(0, out.bytes.size());
        }
        if (fed >= size) break;
    }
    return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ReplyFramerLimits limits;
    limits.max_bulk_bytes = 1024;
    limits.max_reply_bytes = 4096;
    if (size == 0) {
        run(data, size, {}, limits);
        return 0;
    }
    uint8_t split = data[0];
    data++;
    size--;
    Outcome whole = run(data, size, {}, limits);
    std::vector<size_t> reads = {static_cast<size_t>(split % 7) + 1, static_cast<size_t>(split / 7 % 13) + 1};
    Outcome pieces = run(data, size, reads, limits);
    Outcome bytes = run(data, size, {1}, limits);
    CHECK(whole == pieces);
    CHECK(whole == bytes);
    return 0;
}
