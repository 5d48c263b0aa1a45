#include "replay_safety.hpp"

#include "command_policy.hpp"

namespace dbsync {
namespace {

// True when no argument from index `from` on is one of `words` (upper case).
bool noneOf(const FramedRequest &req, size_t from, std::initializer_list<const char *> words) {
    size_t i = 0;
    bool found = false;
    forEachArgument(req.resp, [&](std::string_view arg) {
        if (i++ < from) return true;
        for (const char *w : words)
            if (argEquals(arg, w)) {
                found = true;
                return false;
            }
        return true;
    });
    return !found;
}

}  // namespace

bool replaysSafely(const FramedRequest &req) {
    if (req.argc < 2) return false;
    std::string_view name = req.args[0];
    switch (name.size()) {
    case 3:
        // SET k v [PXAT t | EXAT t | KEEPTTL]: an assignment. NX, XX and GET
        // depend on what was there. A value or key spelled "NX" is mistaken
        // for the option, which only costs a MULTI.
        if (argEquals(name, "SET")) return req.argc >= 3 && noneOf(req, 3, {"NX", "XX", "GET"});
        if (argEquals(name, "DEL")) return true;
        return false;
    case 4:
        if (argEquals(name, "MSET") || argEquals(name, "HSET") || argEquals(name, "SADD") ||
            argEquals(name, "SREM") || argEquals(name, "HDEL") || argEquals(name, "ZREM"))
            return true;
        // ZADD k score member ...: assignments of scores, unless a flag makes
        // it conditional or relative.
        if (argEquals(name, "ZADD")) return noneOf(req, 2, {"NX", "XX", "GT", "LT", "INCR"});
        return false;
    case 5:
        return argEquals(name, "HMSET");
    case 6:
        return argEquals(name, "UNLINK") || argEquals(name, "SETBIT");
    case 7:
        return argEquals(name, "PERSIST");
    case 8:
        return argEquals(name, "SETRANGE");
    case 9:
        // PEXPIREAT k t: absolute, as command_rewrite.cpp leaves every
        // relative expiry. NX/XX/GT/LT compare with what was there.
        return argEquals(name, "PEXPIREAT") && req.argc == 3;
    default:
        return false;
    }
}

}  // namespace dbsync
