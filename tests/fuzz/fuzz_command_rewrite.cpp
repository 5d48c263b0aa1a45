// libFuzzer target for daemon/command_rewrite.
//
// The first byte picks the time: odd, a time near today plus the next three
// bytes; even, the next eight bytes as any int64 (zero, negative, past the
// rewriter's bound). The rest is framed by RequestFramer as dbsyncd frames
// client input, and every request is given to rewriteRelativeExpiry().
// Checked for every request:
//   - unchanged leaves the output string alone;
//   - a rewrite is one well-formed, canonical RESP array that frames as
//     exactly one request, with argc the same or one more;
//   - it differs from the original only where the rewrite says: the new
//     command name, PXAT or ABSTTL, and one decimal deadline; every other
//     argument is the client's, in its place;
//   - a rewrite is never rewritten again (its form is absolute).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "command_rewrite.hpp"
#include "request_framer.hpp"
#include "request_framer.hpp"
#include "resp_writer.hpp"

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

std::vector<std::string> argsOf(std::string_view resp) {
    std::vector<std::string> args;
    dbsync::forEachArgument(resp, [&](std::string_view a) {
        args.emplace_back(a);
        return true;
    });
    return args;
}

bool isDecimal(const std::string &s) {
    size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
    if (i >= s.size()) return false;
    for (; i < s.size(); i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

void checkRewrite(const FramedRequest &req, const std::string &out, int64_t now) {
    RequestFramer framer;
    FramedRequest again;
    CHECK(framer.next(out, again) == Result::Request);
    CHECK(again.consumed == out.size());
    CHECK(!again.was_inline);
    std::vector<std::string> before = argsOf(req.resp), after = argsOf(out);
    CHECK(before.size() == req.argc);
    CHECK(after.size() == again.argc);
    std::string canonical;
    dbsync::resp::appendCommand(canonical, after);
    CHECK(canonical == out);

    if (after.size() == before.size()) {
        // PEXPIREAT for EXPIRE, or PXAT <deadline> in place of EX/PX <ttl>.
        size_t differ = 0;
        for (size_t i = 0; i < after.size(); i++) {
            if (after[i] == before[i]) continue;
            differ++;
            CHECK(after[i] == "PEXPIREAT" || after[i] == "PXAT" || isDecimal(after[i]));
        }
        CHECK(differ >= 1 && differ <= 2);
    } else {
        CHECK(after.size() == before.size() + 1);
        if (after.back() == "ABSTTL") {
            // RESTORE key <deadline> payload [options] ABSTTL
            for (size_t i = 0; i < before.size(); i++)
                if (i != 2) CHECK(after[i] == before[i]);
            CHECK(isDecimal(after[2]));
        } else {
            // SETEX/PSETEX key ttl value -> SET key value PXAT <deadline>
            CHECK(before.size() == 4);
            CHECK(after[0] == "SET" && after[1] == before[1] && after[2] == before[3]);
            CHECK(after[3] == "PXAT" && isDecimal(after[4]));
        }
    }

    std::string twice = "untouched";
    CHECK(!dbsync::rewriteRelativeExpiry(again, now, twice));
    CHECK(twice == "untouched");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int64_t now = 0;
    size_t skip;
    if (data[0] & 1) {
        uint32_t jitter = 0;
        skip = 1 + (size - 1 < 3 ? size - 1 : 3);
        std::memcpy(&jitter, data + 1, skip - 1);
        now = 1700000000000 + jitter;
    } else {
        skip = 1 + (size - 1 < 8 ? size - 1 : 8);
        std::memcpy(&now, data + 1, skip - 1);
    }
    std::string input(reinterpret_cast<const char *>(data) + skip, size - skip);

    RequestFramer framer(FramerLimits{1 << 16, 4096, 4096});
    size_t pos = 0;
    while (pos < input.size()) {
        FramedRequest req;
        Result r = framer.next(std::string_view(input).substr(pos), req);
        if (r != Result::Request) break;
        pos += req.consumed;
        std::string out = "untouched";
        if (dbsync::rewriteRelativeExpiry(req, now, out)) checkRewrite(req, out, now);
        else CHECK(out == "untouched");
    }
    return 0;
}
