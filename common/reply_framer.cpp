#include "reply_framer.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <functional>

namespace dbsync {
namespace {

// Longest ":<n>\r\n", "$<n>\r\n" or "*<n>\r\n" line accepted, type byte and
// CRLF included: a sign and 19 digits, and a little slack for zeros.
constexpr size_t kMaxNumberLine = 24;

// The shortest element a reply can hold ("+\r\n"): lets an array header
// that promises more elements than the byte limit can carry fail at once.
constexpr size_t kMinElementBytes = 3;

enum class LineResult { Ok, NeedMore, Bad };

// Reads the number of the line whose type byte is input[pos]; `end` gets
// the index just past its LF. The verdict depends only on where the CR is
// (or must be), never on how much has arrived, so that every split of the
// same bytes frames alike.
LineResult readNumberLine(std::string_view input, size_t pos, long long &value, size_t &end) {
    constexpr size_t kMaxCrOffset = kMaxNumberLine - 2;  // CR at most this far from the type byte
    std::string_view window = input.substr(pos + 1, kMaxCrOffset);
    size_t cr = window.find('\r');
    if (cr == std::string_view::npos) {
        return input.size() - pos > kMaxCrOffset ? LineResult::Bad : LineResult::NeedMore;
    }
    cr += pos + 1;
    if (cr + 1 >= input.size()) return LineResult::NeedMore;
    if (input[cr + 1] != '\n') return LineResult::Bad;
    const char *begin = input.data() + pos + 1;
    const char *stop = input.data() + cr;
    auto [ptr, ec] = std::from_chars(begin, stop, value);
    if (ec != std::errc() || ptr != stop || begin == stop) return LineResult::Bad;
    end = cr + 2;
    return LineResult::Ok;
}

bool isResp3Type(char c) {
    return c != '\0' && std::strchr("_#,(=!%~|>", c) != nullptr;
}

}  // namespace

const char *replyKindName(ReplyKind kind) {
    switch (kind) {
    case ReplyKind::Status: return "status";
    case ReplyKind::Error: return "error";
    case ReplyKind::Integer: return "integer";
    case ReplyKind::Bulk: return "bulk";
    case ReplyKind::NullBulk: return "null bulk";
    case ReplyKind::Array: return "array";
    case ReplyKind::NullArray: return "null array";
    }
    return "?";
}

uint64_t replyFingerprint(std::string_view bytes) {
    // libstdc++'s string hash (a Murmur variant) runs at several bytes per
    // cycle, which matters for comparing every database's reply.
    return std::hash<std::string_view>{}(bytes);
}

void ReplyFramer::restart() {
    pos_ = 0;
    scan_ = 0;
    bulk_end_ = 0;
    pending_ = 1;
    kind_ = ReplyKind::Status;
}

void ReplyFramer::reset() {
    restart();
    failed_ = partial_ = false;
    error_.clear();
}

ReplyFramer::Result ReplyFramer::fail(std::string message) {
    error_ = "protocol error in reply: " + std::move(message);
    failed_ = true;
    restart();
    return Result::Error;
}

ReplyFramer::Result ReplyFramer::next(std::string_view input, FramedReply &out) {
    Result r = failed_ ? Result::Error : frame(input, out);
    partial_ = r == Result::NeedMore && !input.empty();
    return r;
}

ReplyFramer::Result ReplyFramer::frame(std::string_view input, FramedReply &out) {
    const size_t max_reply = limits_.max_reply_bytes;
    auto tooLong = [&] {
        return fail("reply longer than the " + std::to_string(max_reply) + " byte limit");
    };

    while (pending_ > 0) {
        if (bulk_end_ != 0) {
            // The payload is skipped, not scanned: only its CRLF is checked.
            if (input.size() < bulk_end_) return Result::NeedMore;
            if (input[bulk_end_ - 2] != '\r' || input[bulk_end_ - 1] != '\n')
                return fail("bulk string not followed by CRLF");
            pos_ = bulk_end_;
            bulk_end_ = 0;
            pending_--;
            continue;
        }
        if (pos_ >= input.size()) return Result::NeedMore;
        const char type = input[pos_];
        const bool top = pos_ == 0;

        if (type == '+' || type == '-') {
            // A text line ends at the first CRLF, as hiredis reads it;
            // Redis never puts CR or LF inside one. The search resumes
            // where the last call stopped.
            size_t from = scan_ ? scan_ : pos_ + 1;
            size_t end = 0;
            while (from < input.size()) {
                const void *hit = std::memchr(input.data() + from, '\r', input.size() - from);
                if (!hit) {
                    from = input.size();
                    break;
                }
                size_t cr = static_cast<size_t>(static_cast<const char *>(hit) - input.data());
                if (cr + 1 >= input.size()) {
                    from = cr;  // look at this CR again once its next byte is here
                    break;
                }
                if (input[cr + 1] == '\n') {
                    end = cr + 2;
                    break;
                }
                from = cr + 1;
            }
            if (end == 0) {
                // The line ends no sooner than one CRLF past what was searched.
                scan_ = from;
                if (from + 2 > max_reply) return tooLong();
                return Result::NeedMore;
            }
            if (end > max_reply) return tooLong();
            scan_ = 0;
            if (top) kind_ = type == '+' ? ReplyKind::Status : ReplyKind::Error;
            pos_ = end;
            pending_--;
            continue;
        }

        if (type == ':' || type == '$' || type == '*') {
            long long value = 0;
            size_t end = 0;
            switch (readNumberLine(input, pos_, value, end)) {
            case LineResult::NeedMore: return Result::NeedMore;
            case LineResult::Bad:
                return fail(type == ':'   ? "bad integer"
                            : type == '$' ? "bad bulk string length"
                                          : "bad array length");
            case LineResult::Ok: break;
            }
            if (end > max_reply) return tooLong();
            if (type == ':') {
                if (top) kind_ = ReplyKind::Integer;
                pos_ = end;
                pending_--;
                continue;
            }
            if (value < -1)
                return fail(std::string(type == '$' ? "bad bulk string length " : "bad array length ") +
                            std::to_string(value));
            if (value == -1) {
                if (top) kind_ = type == '$' ? ReplyKind::NullBulk : ReplyKind::NullArray;
                pos_ = end;
                pending_--;
                continue;
            }
            const auto n = static_cast<unsigned long long>(value);
            if (type == '$') {
                if (n > limits_.max_bulk_bytes)
                    return fail("bulk string of " + std::to_string(n) + " bytes exceeds the " +
                                std::to_string(limits_.max_bulk_bytes) + " byte limit");
                if (n + 2 > max_reply - end) return tooLong();  // end <= max_reply: no wrap
                if (top) kind_ = ReplyKind::Bulk;
                pos_ = end;
                bulk_end_ = end + static_cast<size_t>(n) + 2;
                continue;
            }
            // An array of n elements replaces the one element it is.
            if (top) kind_ = ReplyKind::Array;
            // pending_ stays below max_reply / 3 and n below 2^63, so the
            // sum cannot wrap.
            pending_ = pending_ - 1 + n;
            if (pending_ > (max_reply - end) / kMinElementBytes)
                return fail("arrays announce " + std::to_string(pending_) +
                            " more elements than fit in the " + std::to_string(max_reply) +
                            " byte reply limit");
            pos_ = end;
            continue;
        }

        if (isResp3Type(type))
            return fail(std::string("RESP3 reply type '") + type +
                        "' (the server was switched to RESP3 by HELLO 3; dbsync speaks RESP2)");
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(type));
        return fail(std::string("unknown reply type byte ") + hex + " at offset " + std::to_string(pos_));
    }

    out.bytes = input.substr(0, pos_);
    out.kind = kind_;
    restart();
    return Result::Reply;
}

}  // namespace dbsync
