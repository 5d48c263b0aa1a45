#include "reply_codec.hpp"

#include <hiredis/hiredis.h>

#include <functional>
#include <string_view>

#include "resp_writer.hpp"

namespace dbsync {
namespace {

// Chains the standard library's string hash (word at a time, unlike a
// byte-at-a-time FNV loop, which showed in profiles of GETs to several
// databases); the multiply makes the chain order-sensitive. 64 bits are
// plenty to tell replies apart: a collision only hides one divergence.
uint64_t mix(uint64_t h, const void *data, size_t len) {
    uint64_t part = std::hash<std::string_view>{}(std::string_view(static_cast<const char *>(data), len));
    return (h ^ part) * 0x9e3779b97f4a7c15ull;
}

uint64_t fingerprint(const redisReply *r, uint64_t h) {
    int type = r->type;
    h = mix(h, &type, sizeof type);
    switch (r->type) {
    case REDIS_REPLY_INTEGER: return mix(h, &r->integer, sizeof r->integer);
    case REDIS_REPLY_ARRAY:
#ifdef REDIS_REPLY_MAP
    case REDIS_REPLY_MAP:
    case REDIS_REPLY_SET:
    case REDIS_REPLY_PUSH:
#endif
        h = mix(h, &r->elements, sizeof r->elements);
        for (size_t i = 0; i < r->elements; i++) h = fingerprint(r->element[i], h);
        return h;
    case REDIS_REPLY_NIL: return h;
    default: return mix(h, r->str, r->len);
    }
}

}  // namespace

bool isErrorReply(const redisReply *reply) { return reply->type == REDIS_REPLY_ERROR; }

uint64_t replyFingerprint(const redisReply *reply) { return fingerprint(reply, 14695981039346656037ull); }

void encodeReply(const redisReply *r, std::string &out) {
    switch (r->type) {
    case REDIS_REPLY_STRING: resp::appendBulk(out, std::string_view(r->str, r->len)); break;
    case REDIS_REPLY_STATUS:
        out.push_back('+');
        out.append(r->str, r->len);
        out.append("\r\n");
        break;
    case REDIS_REPLY_ERROR:
        out.push_back('-');
        out.append(r->str, r->len);
        out.append("\r\n");
        break;
    case REDIS_REPLY_INTEGER: resp::appendInteger(out, r->integer); break;
    case REDIS_REPLY_NIL: resp::appendNil(out); break;
    case REDIS_REPLY_ARRAY:
        resp::appendArrayHeader(out, static_cast<long long>(r->elements));
        for (size_t i = 0; i < r->elements; i++) encodeReply(r->element[i], out);
        break;
    default:
        // RESP3 types never arrive: dbsyncd speaks RESP2 to its databases.
        resp::appendError(out, "ERR dbsyncd got a reply type it cannot relay");
        break;
    }
}

}  // namespace dbsync
