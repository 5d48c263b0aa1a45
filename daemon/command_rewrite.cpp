#include "command_rewrite.hpp"

#include <charconv>
#include <ctime>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "command_policy.hpp"
#include "request_framer.hpp"
#include "resp_writer.hpp"

namespace dbsync {
namespace {

// Times and deadlines past 2^62 ms (some 146 million years) are left to
// each database. Redis refuses a deadline that overflows int64 on its own
// clock; staying this far below the limit means no database can refuse the
// original while accepting the rewrite, or the reverse, whatever its clock.
constexpr int64_t kMaxMs = int64_t{1} << 62;

enum class Form { None, Expire, PExpire, Set, SetEx, PSetEx, GetEx, Restore, XClaim };

// Runs for every request: the argument count and the name's length decide
// most of them before a byte is compared.
Form formOf(const FramedRequest &req) {
    std::string_view name = req.args[0];
    switch (name.size()) {
    case 3:
        return req.argc >= 5 && argEquals(name, "SET") ? Form::Set : Form::None;
    case 5:
        if (req.argc != 4) return Form::None;
        if (argEquals(name, "SETEX")) return Form::SetEx;
        if (argEquals(name, "GETEX")) return Form::GetEx;
        return Form::None;
    case 6:
        if (req.argc >= 3 && argEquals(name, "EXPIRE")) return Form::Expire;
        if (req.argc == 4 && argEquals(name, "PSETEX")) return Form::PSetEx;
        if (req.argc >= 6 && argEquals(name, "XCLAIM")) return Form::XClaim;
        return Form::None;
    case 7:
        if (req.argc >= 3 && argEquals(name, "PEXPIRE")) return Form::PExpire;
        if (req.argc >= 4 && argEquals(name, "RESTORE")) return Form::Restore;
        return Form::None;
    default:
        return Form::None;
    }
}

// The integers Redis takes as arguments: an optional '-', then "0" or
// digits without a leading zero, within int64; no '+', no blanks. Anything
// else Redis refuses, so the command is left for it to refuse.
bool parseInteger(std::string_view s, int64_t &value) {
    size_t first = !s.empty() && s[0] == '-' ? 1 : 0;
    if (first >= s.size()) return false;
    if (s[first] == '0' && s.size() != 1) return false;  // "00", "01", "-0"
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    return ec == std::errc() && end == s.data() + s.size();
}

// nowMs + ttl * unitMs, when every step stays within ±kMaxMs.
std::optional<int64_t> deadline(int64_t ttl, int64_t unitMs, int64_t nowMs) {
    if (ttl > kMaxMs / unitMs || ttl < -kMaxMs / unitMs) return std::nullopt;
    int64_t at = nowMs + ttl * unitMs;  // both terms within ±kMaxMs: no overflow
    if (at > kMaxMs || at < -kMaxMs) return std::nullopt;
    return at;
}

std::string_view argAt(std::string_view resp, size_t index) {
    std::string_view found;
    size_t i = 0;
    forEachArgument(resp, [&](std::string_view arg) {
        if (i++ != index) return true;
        found = arg;
        return false;
    });
    return found;
}

// EXPIRE's options from argument 3 on: NX, XX, GT, LT in any case and
// number, as long as Redis accepts them together.
bool expireOptionsValid(std::string_view resp) {
    bool nx = false, xx = false, gt = false, lt = false, bad = false;
    size_t i = 0;
    forEachArgument(resp, [&](std::string_view arg) {
        if (i++ < 3) return true;
        if (argEquals(arg, "NX")) nx = true;
        else if (argEquals(arg, "XX")) xx = true;
        else if (argEquals(arg, "GT")) gt = true;
        else if (argEquals(arg, "LT")) lt = true;
        else bad = true;
        return !bad;
    });
    return !bad && !(nx && (xx || gt || lt)) && !(gt && lt);
}

struct SetExpiry {
    size_t index = 0;  // of the EX or PX word; its value follows
    std::string_view value;
    int64_t unitMs = 0;
};

// SET key value [NX|XX] [GET] EX s|PX ms: finds the one relative option
// among options Redis accepts together. KEEPTTL, EXAT or PXAT (nothing
// relative, or a syntax error with EX/PX), a second EX/PX and any other word
// leave the command as it is.
bool findSetExpiry(std::string_view resp, SetExpiry &found) {
    bool nx = false, xx = false, seen = false, wantValue = false, bad = false;
    size_t i = 0;
    forEachArgument(resp, [&](std::string_view arg) {
        size_t at = i++;
        if (at < 3) return true;
        if (wantValue) {
            found.value = arg;
            wantValue = false;
        } else if (argEquals(arg, "NX")) {
            nx = true;
        } else if (argEquals(arg, "XX")) {
            xx = true;
        } else if (argEquals(arg, "GET")) {
        } else if (!seen && (argEquals(arg, "EX") || argEquals(arg, "PX"))) {
            seen = wantValue = true;
            found.index = at;
            found.unitMs = argEquals(arg, "EX") ? 1000 : 1;
        } else {
            bad = true;
        }
        return !bad;
    });
    return seen && !wantValue && !bad && !(nx && xx);
}

// RESTORE's options from argument 4 on: REPLACE, IDLETIME s or FREQ f with
// values Redis accepts, not both of the last two. ABSTTL means the ttl is
// absolute already.
bool restoreOptionsValid(std::string_view resp) {
    enum { Nothing, IdleValue, FreqValue } want = Nothing;
    bool idle = false, freq = false, bad = false;
    size_t i = 0;
    forEachArgument(resp, [&](std::string_view arg) {
        if (i++ < 4) return true;
        int64_t v = 0;
        if (want != Nothing) {
            bad = !parseInteger(arg, v) || v < 0 || (want == FreqValue && v > 255);
            want = Nothing;
        } else if (argEquals(arg, "REPLACE")) {
        } else if (argEquals(arg, "IDLETIME")) {
            idle = true;
            want = IdleValue;
        } else if (argEquals(arg, "FREQ")) {
            freq = true;
            want = FreqValue;
        } else {
            bad = true;
        }
        return !bad;
    });
    return !bad && want == Nothing && !(idle && freq);
}

struct Replace {
    size_t index;
    std::string_view with;
};

// A stream ID as XCLAIM takes its IDs: "ms" or "ms-seq", digits only.
bool isStreamId(std::string_view s) {
    size_t dash = s.find('-');
    std::string_view ms = s.substr(0, dash), seq = dash == std::string_view::npos ? "0" : s.substr(dash + 1);
    auto digits = [](std::string_view d) {
        if (d.empty() || d.size() > 20) return false;
        for (char c : d)
            if (c < '0' || c > '9') return false;
        return true;
    };
    return digits(ms) && digits(seq);
}

// XCLAIM's options after its IDs: where IDLE is (0: none), and whether
// TIME is given.
void findXclaimTime(std::string_view resp, size_t &idleAt, bool &hasTime) {
    idleAt = 0;
    hasTime = false;
    size_t i = 0;
    bool options = false;
    forEachArgument(resp, [&](std::string_view arg) {
        size_t at = i++;
        if (at < 5) return true;
        if (!options && isStreamId(arg)) return true;
        options = true;
        if (argEquals(arg, "IDLE")) idleAt = at;
        else if (argEquals(arg, "TIME")) hasTime = true;
        return true;
    });
}

// `resp` again with the listed arguments (in index order) replaced and
// `appended` added at the end, in canonical RESP.
void emit(std::string_view resp, size_t argc, std::initializer_list<Replace> replaced,
          std::initializer_list<std::string_view> appended, std::string &out) {
    out.clear();
    out.reserve(resp.size() + 48);
    resp::appendArrayHeader(out, static_cast<long long>(argc + appended.size()));
    const Replace *next = replaced.begin();
    size_t i = 0;
    forEachArgument(resp, [&](std::string_view arg) {
        if (next != replaced.end() && next->index == i) {
            arg = next->with;
            ++next;
        }
        resp::appendBulk(out, arg);
        ++i;
        return true;
    });
    for (std::string_view a : appended) resp::appendBulk(out, a);
}

bool rewriteAs(Form form, const FramedRequest &req, int64_t nowMs, std::string &out) {
    if (form == Form::None || nowMs <= 0 || nowMs > kMaxMs) return false;
    std::string_view resp = req.resp;
    char digits[24];
    auto text = [&digits](int64_t v) {
        auto r = std::to_chars(digits, digits + sizeof digits, v);
        return std::string_view(digits, static_cast<size_t>(r.ptr - digits));
    };
    int64_t ttl = 0;
    std::optional<int64_t> at;
    switch (form) {
    case Form::Expire:
    case Form::PExpire:
        // A ttl of zero or less is rewritten too: the deadline has passed,
        // and PEXPIREAT deletes the key and answers 1 as the original does.
        if (!parseInteger(req.args[2], ttl) || !expireOptionsValid(resp)) return false;
        if (!(at = deadline(ttl, form == Form::Expire ? 1000 : 1, nowMs))) return false;
        emit(resp, req.argc, {{0, "PEXPIREAT"}, {2, text(*at)}}, {}, out);
        return true;
    case Form::Set: {
        SetExpiry opt;
        if (!findSetExpiry(resp, opt) || !parseInteger(opt.value, ttl) || ttl <= 0) return false;
        if (!(at = deadline(ttl, opt.unitMs, nowMs))) return false;
        emit(resp, req.argc, {{opt.index, "PXAT"}, {opt.index + 1, text(*at)}}, {}, out);
        return true;
    }
    case Form::SetEx:
    case Form::PSetEx:
        // SETEX key t value -> SET key value PXAT at: both answer +OK.
        if (!parseInteger(req.args[2], ttl) || ttl <= 0) return false;
        if (!(at = deadline(ttl, form == Form::SetEx ? 1000 : 1, nowMs))) return false;
        emit(resp, req.argc, {{0, "SET"}, {2, argAt(resp, 3)}, {3, "PXAT"}}, {text(*at)}, out);
        return true;
    case Form::GetEx: {
        int64_t unitMs = argEquals(req.args[2], "EX") ? 1000 : argEquals(req.args[2], "PX") ? 1 : 0;
        if (unitMs == 0 || !parseInteger(argAt(resp, 3), ttl) || ttl <= 0) return false;
        if (!(at = deadline(ttl, unitMs, nowMs))) return false;
        emit(resp, req.argc, {{2, "PXAT"}, {3, text(*at)}}, {}, out);
        return true;
    }
    case Form::Restore:
        // A ttl of 0 means no expiry: nothing to rewrite.
        if (!parseInteger(req.args[2], ttl) || ttl <= 0 || !restoreOptionsValid(resp)) return false;
        if (!(at = deadline(ttl, 1, nowMs))) return false;
        emit(resp, req.argc, {{2, text(*at)}}, {"ABSTTL"}, out);
        return true;
    case Form::XClaim: {
        // Each database would take "now" from its own clock as the new
        // delivery time: XCLAIM ... TIME <ms> gives them one, as Redis
        // replicates it. IDLE ms becomes TIME now - ms.
        size_t idleAt = 0;
        bool hasTime = false;
        findXclaimTime(resp, idleAt, hasTime);
        if (hasTime) return false;
        if (idleAt == 0) {
            emit(resp, req.argc, {}, {"TIME", text(nowMs)}, out);
            return true;
        }
        int64_t idle = 0;
        if (!parseInteger(argAt(resp, idleAt + 1), idle) || idle < 0 || idle > nowMs) return false;
        emit(resp, req.argc, {{idleAt, "TIME"}, {idleAt + 1, text(nowMs - idle)}}, {}, out);
        return true;
    }
    case Form::None:
        break;
    }
    return false;
}

}  // namespace

int64_t wallClockMs() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool rewriteRelativeExpiry(const FramedRequest &req, int64_t nowMs, std::string &out) {
    return rewriteAs(formOf(req), req, nowMs, out);
}

bool rewriteWithWallClock(const FramedRequest &req, std::string &out) {
    Form form = formOf(req);
    return form != Form::None && rewriteAs(form, req, wallClockMs(), out);
}

}  // namespace dbsync
