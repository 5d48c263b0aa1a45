#include "request_framer.hpp"

#include <climits>

#include "command_tokenizer.hpp"
#include "resp_writer.hpp"

namespace dbsync {
namespace {

// Longest "*<n>\r\n" or "$<n>\r\n" header there can be, type byte and CRLF
// included: Redis takes at most 20 characters for a number
// ("-9223372036854775808").
constexpr size_t kMaxNumberChars = 20;
constexpr size_t kMaxHeaderLine = 1 + kMaxNumberChars + 2;

// A number as Redis reads one (its string2ll): an optional '-',
// then "0" alone or digits without a leading zero, no '+', no blanks, and
// within a long long. "-0", "007" and "+1" are not numbers to Redis.
bool parseRedisInteger(const char *begin, const char *end, long long &value) {
    size_t len = static_cast<size_t>(end - begin);
    if (len == 0 || len > kMaxNumberChars) return false;
    if (len == 1 && *begin == '0') {
        value = 0;
        return true;
    }
    bool negative = *begin == '-';
    const char *p = begin + (negative ? 1 : 0);
    if (p == end || *p < '1' || *p > '9') return false;
    // Accumulated as unsigned so that LLONG_MIN's magnitude fits.
    const unsigned long long limit =
        negative ? static_cast<unsigned long long>(LLONG_MAX) + 1 : static_cast<unsigned long long>(LLONG_MAX);
    unsigned long long v = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') return false;
        unsigned digit = static_cast<unsigned>(*p - '0');
        if (v > (limit - digit) / 10) return false;
        v = v * 10 + digit;
    }
    value = negative ? static_cast<long long>(0 - v) : static_cast<long long>(v);
    return true;
}

}  // namespace

RequestFramer::Result RequestFramer::tooManyArgs() {
    return fail("too many arguments in request (--max-request-args " + std::to_string(limits_.max_args) + ")");
}

void RequestFramer::reset() {
    start_ = pos_ = 0;
    argc_ = -1;
    parsed_ = 0;
    partial_ = false;
}

RequestFramer::Result RequestFramer::fail(std::string message) {
    error_ = "Protocol error: " + std::move(message);
    reset();
    return Result::Error;
}

RequestFramer::LineResult RequestFramer::readNumberLine(std::string_view input, size_t &pos,
                                                        long long &value) const {
    // input[pos] is the type byte; the number runs to CRLF. The verdict
    // must not depend on how the bytes were split into reads, so "too long"
    // is decided by where the CR is (or must be), never by how much arrived.
    constexpr size_t kMaxCrOffset = kMaxHeaderLine - 2;  // CR at most here, counted from pos
    size_t cr = input.find('\r', pos + 1);
    if (cr == std::string_view::npos) {
        return input.size() - pos > kMaxCrOffset ? LineResult::Bad : LineResult::NeedMore;
    }
    if (cr - pos > kMaxCrOffset) return LineResult::Bad;
    if (cr + 1 >= input.size()) return LineResult::NeedMore;
    if (input[cr + 1] != '\n') return LineResult::Bad;
    if (!parseRedisInteger(input.data() + pos + 1, input.data() + cr, value)) return LineResult::Bad;
    pos = cr + 2;
    return LineResult::Ok;
}

RequestFramer::Result RequestFramer::next(std::string_view input, FramedRequest &out) {
    out.consumed = 0;
    while (true) {
        if (argc_ < 0) {
            // Between requests: skip the blank lines telnet users send.
            while (start_ < input.size() && (input[start_] == '\r' || input[start_] == '\n')) start_++;
            if (start_ >= input.size()) {
                // Only blank input so far: let the caller drop it.
                out.consumed = start_;
                reset();
                return Result::NeedMore;
            }
            if (input[start_] != '*') {
                bool blank = false;
                Result r = nextInline(input, out, blank);
                if (!blank) return r;
                continue;
            }
            pos_ = start_;
            long long count = 0;
            switch (readNumberLine(input, pos_, count)) {
            case LineResult::NeedMore: pos_ = start_; partial_ = true; return Result::NeedMore;
            case LineResult::Bad: return fail("invalid multibulk length");
            case LineResult::Ok: break;
            }
            if (count > FramerLimits::kRedisMaxArgs) return fail("invalid multibulk length");
            if (count > limits_.max_args) return tooManyArgs();
            if (count <= 0) {
                // "*0" and "*-1" carry no command; Redis ignores them too.
                start_ = pos_;
                continue;
            }
            argc_ = count;
            parsed_ = 0;
        }

        while (parsed_ < argc_) {
            if (pos_ >= input.size()) return Result::NeedMore;
            if (input[pos_] != '$') {
                return fail(std::string("expected '$', got '") + input[pos_] + "'");
            }
            size_t p = pos_;
            long long len = 0;
            switch (readNumberLine(input, p, len)) {
            case LineResult::NeedMore: return Result::NeedMore;
            case LineResult::Bad: return fail("invalid bulk length");
            case LineResult::Ok: break;
            }
            if (len < 0 || static_cast<unsigned long long>(len) > limits_.max_bulk_bytes)
                return fail("invalid bulk length");
            // Checked before adding so that a huge length cannot overflow `end`.
            if (static_cast<unsigned long long>(len) > limits_.max_request_bytes ||
                p + static_cast<size_t>(len) + 2 - start_ > limits_.max_request_bytes)
                return fail("request exceeds the " + std::to_string(limits_.max_request_bytes) +
                            " byte limit (--max-request-bytes)");
            size_t end = p + static_cast<size_t>(len) + 2;
            if (input.size() < end) return Result::NeedMore;
            if (input[end - 2] != '\r' || input[end - 1] != '\n') return fail("bulk string not terminated by CRLF");
            if (parsed_ < static_cast<long long>(FramedRequest::kPeek))
                peek_[parsed_] = {p - start_, static_cast<size_t>(len)};
            parsed_++;
            pos_ = end;
        }

        std::string_view resp = input.substr(start_, pos_ - start_);
        out.resp = resp;
        out.consumed = pos_;
        out.argc = static_cast<size_t>(argc_);
        out.was_inline = false;
        for (size_t i = 0; i < FramedRequest::kPeek; i++)
            out.args[i] = i < out.argc ? resp.substr(peek_[i].first, peek_[i].second) : std::string_view();
        reset();
        return Result::Request;
    }
}

RequestFramer::Result RequestFramer::nextInline(std::string_view input, FramedRequest &out, bool &blank) {
    // The RESP form of an inline command is longer than the line, so the
    // request limit applies to the line too.
    const size_t max_line = std::min(limits_.max_inline_bytes, limits_.max_request_bytes);
    size_t nl = input.find('\n', start_);
    if (nl == std::string_view::npos) {
        if (input.size() - start_ > max_line) return fail("too big inline request");
        partial_ = true;
        return Result::NeedMore;
    }
    if (nl - start_ > max_line) return fail("too big inline request");
    std::string_view line = input.substr(start_, nl - start_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string error;
    if (!tokenizeCommand(line, out.inline_args, error)) return fail("unbalanced quotes in request");
    if (out.inline_args.empty()) {
        // A line of blanks only: consume it and look for the next request.
        start_ = nl + 1;
        blank = true;
        return Result::NeedMore;
    }
    if (static_cast<long long>(out.inline_args.size()) > limits_.max_args) return tooManyArgs();
    out.inline_resp.clear();
    resp::appendCommand(out.inline_resp, out.inline_args);
    out.resp = out.inline_resp;
    out.consumed = nl + 1;
    out.argc = out.inline_args.size();
    out.was_inline = true;
    for (size_t i = 0; i < FramedRequest::kPeek; i++)
        out.args[i] = i < out.argc ? std::string_view(out.inline_args[i]) : std::string_view();
    reset();
    return Result::Request;
}

}  // namespace dbsync
