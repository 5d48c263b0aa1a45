// One synchronous hiredis connection to a database, with pipelining:
// commands are appended, flushed together, and their replies read in order.
// Uses only calls hiredis 0.14 and 1.x both have.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <hiredis/hiredis.h>

#include "options.hpp"

namespace dbsync::check {

// A database could not be reached or failed mid-check: the check cannot go on.
struct LinkError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ReplyDeleter {
    void operator()(redisReply *r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class DbLink {
public:
    // Connects, AUTHs and SELECTs as the spec says; throws LinkError naming `label` and the address.
    DbLink(std::string label, const DatabaseSpec &spec, uint64_t timeoutMs);
    DbLink(const DbLink &) = delete;
    DbLink &operator=(const DbLink &) = delete;

    const std::string &label() const { return label_; }  // "db0"
    std::string where() const { return label_ + " (" + spec_.display() + ")"; }

    // Queues one command; nothing is sent until flush() or next().
    void append(const std::vector<std::string_view> &args);
    // Writes everything queued, so several databases work on a batch at once.
    void flush();
    // The next reply in order; an I/O failure throws LinkError. Error replies are returned.
    Reply next();
    // append + next.
    Reply command(const std::vector<std::string_view> &args);

private:
    [[noreturn]] void fail(const std::string &what);

    struct ContextDeleter {
        void operator()(redisContext *c) const { redisFree(c); }
    };
    std::string label_;
    DatabaseSpec spec_;
    // Owned by a member, not freed in ~DbLink: a constructor that throws
    // (refused AUTH, no connection) frees it too.
    std::unique_ptr<redisContext, ContextDeleter> ctx_;
};

inline std::string_view replyText(const redisReply *r) {
    return r && r->str ? std::string_view(r->str, r->len) : std::string_view();
}
inline bool isError(const redisReply *r) { return r && r->type == REDIS_REPLY_ERROR; }

}  // namespace dbsync::check
