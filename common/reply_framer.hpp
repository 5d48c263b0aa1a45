// Finds where each RESP2 reply ends in the bytes a Redis server sent,
// without copying and without parsing the reply into a tree.
//
// dbsyncd forwards a database's reply to its client byte for byte, so the
// only things it needs are the reply's exact span, whether it is an error
// reply, and a cheap fingerprint to compare the databases' replies. Nothing
// is re-encoded, so a null array (*-1) stays a null array and a reply nests
// as deep as the server made it: the framer keeps one counter of elements
// still to come instead of a stack, so depth costs nothing.
//
// Use on one database connection (the reply always starts at input[0]):
//
//     ReplyFramer framer;            // one per connection; reset() on reconnect
//     std::string in;                // bytes read from the socket, not yet forwarded
//     ...after each read appended to `in`:
//     size_t off = 0;
//     for (;;) {
//         FramedReply reply;
//         std::string_view rest = std::string_view(in).substr(off);
//         ReplyFramer::Result r = framer.next(rest, reply);
//         if (r == ReplyFramer::Result::NeedMore) break;   // call again with more bytes
//         if (r == ReplyFramer::Result::Error) {           // the stream is out of sync
//             log(framer.error()); closeAndReconnect(); return;
//         }
//         answerOldestRequest(reply.bytes,                  // exactly what Redis sent
//                             reply.isError(),
//                             replyFingerprint(reply.bytes));
//         off += reply.bytes.size();
//     }
//     in.erase(0, off);              // `reply.bytes` views die here
//
// After NeedMore, pass the same unconsumed bytes again with more appended
// (the buffer may move; only the offsets matter). The framer remembers how
// far it has checked, so a reply of 100 MB arriving in 64 KiB reads is
// scanned once in total, and the payload of a bulk string is skipped, not
// scanned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace dbsync {

struct ReplyFramerLimits {
    // Longest bulk string accepted. Redis refuses to build a longer string
    // than its proto-max-bulk-len (512 MB by default); raise this with it.
    size_t max_bulk_bytes = size_t{512} << 20;
    // Longest whole reply. A Redis reply (LRANGE of a long list) has no
    // bound of its own, so the default accepts any size.
    size_t max_reply_bytes = std::numeric_limits<size_t>::max();
};

// The top-level type of a reply; what an array holds is not looked at.
enum class ReplyKind : uint8_t {
    Status,     // +OK
    Error,      // -ERR ...
    Integer,    // :1
    Bulk,       // $3 foo
    NullBulk,   // $-1
    Array,      // *2 ... (any depth)
    NullArray,  // *-1
};

const char *replyKindName(ReplyKind kind);

struct FramedReply {
    std::string_view bytes;  // the whole reply, a span of the input
    ReplyKind kind = ReplyKind::Status;

    bool isError() const { return kind == ReplyKind::Error; }
};

// A 64-bit digest of a reply's bytes, for telling whether two databases
// answered alike: equal bytes give equal values within one process. Not
// stable across builds and not meant to resist a chosen collision.
uint64_t replyFingerprint(std::string_view bytes);

class ReplyFramer {
public:
    enum class Result { Reply, NeedMore, Error };

    explicit ReplyFramer(ReplyFramerLimits limits = {}) : limits_(limits) {}

    // `input` starts at the first byte of the next reply. Reply: `out` holds
    // its span (out.bytes.size() bytes to consume). NeedMore: nothing to
    // consume yet. Error: error() says why; the stream cannot be resumed
    // until reset().
    Result next(std::string_view input, FramedReply &out);

    // "protocol error in reply: ..." for the last Error.
    const std::string &error() const { return error_; }

    // True when the last next() returned NeedMore on part of a reply.
    bool midReply() const { return partial_; }

    // Forgets a partial reply and any error (a new connection).
    void reset();

    const ReplyFramerLimits &limits() const { return limits_; }

private:
    Result frame(std::string_view input, FramedReply &out);
    Result fail(std::string message);
    void restart();

    ReplyFramerLimits limits_;
    std::string error_;
    bool failed_ = false;
    bool partial_ = false;
    size_t pos_ = 0;           // next byte to check, counted from the reply's start
    size_t scan_ = 0;          // a text line's CR is searched for from here (0: from pos_ + 1)
    size_t bulk_end_ = 0;      // when non-zero: a bulk payload and its CRLF end here
    uint64_t pending_ = 1;     // elements still to read, the one at pos_ included
    ReplyKind kind_ = ReplyKind::Status;
};

}  // namespace dbsync
