// libFuzzer target for common/request_framer.
//
// The input is split into reads (the first byte picks the read sizes) and
// fed to the framer the way dbsyncd does: a growing buffer, `consumed`
// bytes dropped after each result. Checked on every call:
//   - consumed <= the input passed;
//   - a RESP request is a span of the input within the consumed bytes,
//     an inline request lives in the FramedRequest's own storage;
//   - a request has argc >= 1 and its peeked args lie inside its bytes;
//   - the RESP of every request re-frames as exactly one request with the
//     same argc (what dbsyncd forwards is well formed);
//   - splitting the same input differently gives the same requests;
//   - every length header of a request is a number as Redis reads it (no
//     leading zero, no "-0", no '+'), and no bulk exceeds max_bulk_bytes:
//     what is forwarded, Redis can parse.
// Limits are small so the fuzzer reaches them.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "request_framer.hpp"

namespace {

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            std::fprintf(stderr, "invariant failed: %s (line %d)\n", #cond, __LINE__); \
            std::abort();                                                             \
        }                                                                             \
    } while (0)

using dbsync::FramedRequest;
using dbsync::FramerLimits;
using dbsync::RequestFramer;
using Result = RequestFramer::Result;

// Redis's reading of a length (see parseRedisInteger in request_framer.cpp),
// restated independently: the request's own headers must pass it.
bool redisReadsNumber(std::string_view digits) {
    if (digits.empty() || digits.size() > 20) return false;
    if (digits == "0") return true;
    if (digits[0] == '-') digits.remove_prefix(1);
    if (digits.empty() || digits[0] < '1' || digits[0] > '9') return false;
    for (char c : digits)
        if (c < '0' || c > '9') return false;
    return true;
}

// Walks the headers of a framed RESP request.
void checkHeaders(std::string_view resp, const FramerLimits &limits) {
    size_t eol = resp.find("\r\n");
    CHECK(resp[0] == '*' && eol != std::string_view::npos);
    CHECK(redisReadsNumber(resp.substr(1, eol - 1)));
    size_t pos = eol + 2;
    while (pos < resp.size()) {
        CHECK(resp[pos] == '$');
        eol = resp.find("\r\n", pos);
        CHECK(eol != std::string_view::npos);
        std::string_view digits = resp.substr(pos + 1, eol - pos - 1);
        CHECK(redisReadsNumber(digits) && digits[0] != '-');
        size_t len = std::stoull(std::string(digits));
        CHECK(len <= limits.max_bulk_bytes);
        pos = eol + 2 + len + 2;
    }
    CHECK(pos == resp.size());
}

bool within(std::string_view inner, const char *begin, const char *end) {
    return inner.empty() || (inner.data() >= begin && inner.data() + inner.size() <= end);
}

void checkReframes(const FramedRequest &req, const FramerLimits &limits) {
    RequestFramer again(limits);
    FramedRequest out;
    Result r = again.next(req.resp, out);
    if (req.was_inline && r == Result::Error) {
        // The re-encoded form of a long inline command may pass a byte
        // limit its shorter inline form did not; nothing else may fail.
        CHECK(again.error().find("limit") != std::string::npos ||
              again.error().find("too many") != std::string::npos);
        return;
    }
    CHECK(r == Result::Request);
    CHECK(out.consumed == req.resp.size());
    CHECK(out.resp == req.resp);
    CHECK(out.argc == req.argc);
    for (size_t i = 0; i < FramedRequest::kPeek; i++) CHECK(out.args[i] == req.args[i]);
}

struct Outcome {
    std::vector<std::string> requests;  // resp bytes of each request
    bool error = false;
    bool operator==(const Outcome &o) const { return requests == o.requests && error == o.error; }
};

Outcome run(const uint8_t *data, size_t size, const std::vector<size_t> &reads, const FramerLimits &limits) {
    Outcome outcome;
    RequestFramer framer(limits);
    std::string buffer;
    size_t fed = 0;
    size_t read = 0;
    while (fed < size || read == 0) {
        size_t n = reads.empty() ? size : reads[read % reads.size()];
        read++;
        if (n > size - fed) n = size - fed;
        buffer.append(reinterpret_cast<const char *>(data) + fed, n);
        fed += n;
        while (true) {
            FramedRequest out;
            Result r = framer.next(buffer, out);
            CHECK(out.consumed <= buffer.size());
            if (r == Result::Error) {
                CHECK(framer.error().rfind("Protocol error: ", 0) == 0);
                outcome.error = true;
                return outcome;
            }
            if (r == Result::NeedMore) {
                buffer.erase(0, out.consumed);
                break;
            }
            CHECK(out.argc >= 1);
            CHECK(out.consumed >= 1);
            CHECK(!out.resp.empty());
            CHECK(out.resp.size() <= limits.max_request_bytes || out.was_inline);
            if (out.was_inline) {
                CHECK(within(out.resp, out.inline_resp.data(), out.inline_resp.data() + out.inline_resp.size()));
                CHECK(out.inline_args.size() == out.argc);
                for (size_t i = 0; i < FramedRequest::kPeek && i < out.argc; i++)
                    CHECK(out.args[i] == out.inline_args[i]);
            } else {
                CHECK(within(out.resp, buffer.data(), buffer.data() + out.consumed));
                CHECK(out.argc <= static_cast<size_t>(limits.max_args));
                for (size_t i = 0; i < FramedRequest::kPeek && i < out.argc; i++)
                    CHECK(within(out.args[i], out.resp.data(), out.resp.data() + out.resp.size()));
            }
            for (size_t i = out.argc; i < FramedRequest::kPeek; i++) CHECK(out.args[i].empty());
            checkHeaders(out.resp, limits);
            checkReframes(out, limits);
            outcome.requests.emplace_back(out.resp);
            buffer.erase(0, out.consumed);
        }
        if (fed >= size) break;
    }
    return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FramerLimits limits;
    limits.max_request_bytes = 4096;
    limits.max_inline_bytes = 512;
    limits.max_args = 64;
    limits.max_bulk_bytes = 1024;
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
    // An error may be reported at the same request in every split; the
    // requests before it must match.
    CHECK(whole == pieces);
    CHECK(whole == bytes);
    return 0;
}
