#include "client_reply_reader.hpp"

#include <hiredis/hiredis.h>

#include <new>

namespace dbsync {
namespace {

// Copies a hiredis reply tree into our own type. RESP3 types only exist in
// hiredis 1.x and only reach us if a script switched the connection to RESP3
// with HELLO 3; they map onto the nearest RESP2 shape.
void convert(const redisReply *r, Reply &out) {
    switch (r->type) {
    case REDIS_REPLY_STATUS:
        out.type = Reply::Type::Status;
        out.str.assign(r->str, r->len);
        break;
    case REDIS_REPLY_ERROR:
        out.type = Reply::Type::Error;
        out.str.assign(r->str, r->len);
        break;
    case REDIS_REPLY_STRING:
        out.type = Reply::Type::String;
        out.str.assign(r->str, r->len);
        break;
    case REDIS_REPLY_INTEGER:
        out.type = Reply::Type::Integer;
        out.integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
#ifdef REDIS_REPLY_MAP
    case REDIS_REPLY_MAP:
#endif
#ifdef REDIS_REPLY_SET
    case REDIS_REPLY_SET:
#endif
#ifdef REDIS_REPLY_PUSH
    case REDIS_REPLY_PUSH:
#endif
        out.type = Reply::Type::Array;
        out.elements.resize(r->elements);
        for (size_t i = 0; i < r->elements; i++) convert(r->element[i], out.elements[i]);
        break;
#ifdef REDIS_REPLY_DOUBLE
    case REDIS_REPLY_DOUBLE:
#endif
#ifdef REDIS_REPLY_VERB
    case REDIS_REPLY_VERB:
#endif
#ifdef REDIS_REPLY_BIGNUM
    case REDIS_REPLY_BIGNUM:
#endif
#if defined(REDIS_REPLY_DOUBLE) || defined(REDIS_REPLY_VERB) || defined(REDIS_REPLY_BIGNUM)
        out.type = Reply::Type::String;
        out.str.assign(r->str, r->len);
        break;
#endif
#ifdef REDIS_REPLY_BOOL
    case REDIS_REPLY_BOOL:
        out.type = Reply::Type::Integer;
        out.integer = r->integer;
        break;
#endif
    default:  // REDIS_REPLY_NIL and anything unknown
        out.type = Reply::Type::Nil;
        break;
    }
}

}  // namespace

ReplyReader::ReplyReader() {
    reader_ = redisReaderCreate();
    if (!reader_) throw std::bad_alloc();
}

ReplyReader::~ReplyReader() { redisReaderFree(reader_); }

void ReplyReader::reset() {
    redisReaderFree(reader_);
    reader_ = redisReaderCreate();
    if (!reader_) throw std::bad_alloc();
    error_.clear();
}

bool ReplyReader::feed(const char *data, size_t len) {
    if (redisReaderFeed(reader_, data, len) != REDIS_OK) {
        error_ = reader_->errstr[0] ? reader_->errstr : "reply parser refused input";
        return false;
    }
    return true;
}

ReplyReader::Result ReplyReader::next(Reply &out) {
    void *raw = nullptr;
    if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
        error_ = std::string("protocol error: ") + reader_->errstr;
        return Result::Error;
    }
    if (!raw) return Result::NeedMore;
    auto *r = static_cast<redisReply *>(raw);
    out = Reply{};
    convert(r, out);
    freeReplyObject(r);
    return Result::Reply;
}

}  // namespace dbsync
