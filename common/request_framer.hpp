// Finds request boundaries in a client's input stream without copying.
//
// dbsyncd forwards each request byte-for-byte, so all it needs from the
// parser is where a request starts and ends, how many arguments it has and
// the first few of them (command name, subcommand) to decide whether to
// forward, answer locally or reject it. RESP arrays of bulk strings are
// framed in place; inline commands (telnet, redis-benchmark's PING_INLINE)
// are split like Redis does and re-encoded as RESP so that the forwarding
// path has one format only.
//
// The framer is resumable: after NeedMore it keeps how far it got, so a
// request arriving in many small reads is scanned once, not once per read.
//
// What it accepts and the error texts follow Redis 7.0's request parser:
// whatever the framer lets through is forwarded byte for byte, so anything
// Redis would refuse (a length with leading zeros, "-0", a bulk longer than
// proto-max-bulk-len) must be refused here, or the database would drop
// dbsyncd's shared connection and every client's commands on it.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dbsync {

struct FramerLimits {
    // Redis's own ceilings: an array count above INT_MAX is an "invalid
    // multibulk length" whatever max_args says, and its default
    // proto-max-bulk-len is 512 MiB.
    static constexpr long long kRedisMaxArgs = 2147483647;
    static constexpr size_t kRedisMaxBulkBytes = size_t(512) << 20;

    size_t max_request_bytes = 64u << 20;      // one whole request, headers included (--max-request-bytes)
    size_t max_inline_bytes = 64u << 10;       // one inline command line (--max-inline-bytes)
    long long max_args = kRedisMaxArgs;        // arguments in one request (--max-request-args)
    size_t max_bulk_bytes = kRedisMaxBulkBytes;  // one argument (--max-bulk-bytes)
};

struct FramedRequest {
    static constexpr size_t kPeek = 3;
    std::string_view resp;   // RESP2 bytes of the request, ready to forward
    size_t consumed = 0;     // input bytes the caller may now drop
    size_t argc = 0;
    std::array<std::string_view, kPeek> args{};  // the first min(argc, kPeek) arguments
    bool was_inline = false;
    // Storage for inline requests; `resp` and `args` point here when was_inline.
    std::string inline_resp;
    std::vector<std::string> inline_args;
};

class RequestFramer {
public:
    enum class Result { Request, NeedMore, Error };

    explicit RequestFramer(FramerLimits limits = {}) : limits_(limits) {}

    // `input` must start at the first byte not consumed by an earlier result;
    // after NeedMore, drop out.consumed bytes (blank lines, usually 0) and
    // pass the rest again with more appended.
    // On Error the stream is unusable: reply with error() and close.
    Result next(std::string_view input, FramedRequest &out);

    // "Protocol error: ..." text for the last Error result.
    const std::string &error() const { return error_; }

    // True when part of a request has been seen but not all of it.
    bool midRequest() const { return argc_ >= 0 || partial_; }

    const FramerLimits &limits() const { return limits_; }

private:
    Result fail(std::string message);
    Result tooManyArgs();
    // Sets `blank` (and returns NeedMore) for a line of blanks only, which
    // next() skips without recursing: a client may send millions of them.
    Result nextInline(std::string_view input, FramedRequest &out, bool &blank);
    // Reads "<prefix><integer>\r\n" at pos_; returns false when the line is incomplete.
    enum class LineResult { Ok, NeedMore, Bad };
    LineResult readNumberLine(std::string_view input, size_t &pos, long long &value) const;
    void reset();

    FramerLimits limits_;
    std::string error_;
    size_t start_ = 0;       // where the current request starts (after skipped blank input)
    size_t pos_ = 0;         // next unparsed byte
    long long argc_ = -1;    // -1 until the array header has been read
    long long parsed_ = 0;   // arguments parsed so far
    bool partial_ = false;   // NeedMore returned with part of a request's first line
    std::array<std::pair<size_t, size_t>, FramedRequest::kPeek> peek_{};
};

// Calls fn(argument) for each argument of a request the framer returned
// (FramedRequest::resp), in order, until fn returns false. For arguments
// past the first kPeek, which the framer does not keep.
template <typename Fn>
void forEachArgument(std::string_view resp, Fn fn) {
    size_t pos = resp.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < resp.size()) {
        pos += 2;  // at '$'
        size_t eol = resp.find("\r\n", pos);
        if (eol == std::string_view::npos) return;
        size_t len = 0;
        for (size_t i = pos + 1; i < eol; i++) len = len * 10 + static_cast<size_t>(resp[i] - '0');
        if (!fn(resp.substr(eol + 2, len))) return;
        pos = eol + 2 + len;
    }
}

}  // namespace dbsync
