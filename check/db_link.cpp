#include "db_link.hpp"

#include <sys/time.h>

namespace dbsync::check {

DbLink::DbLink(std::string label, const DatabaseSpec &spec, uint64_t timeoutMs)
    : label_(std::move(label)), spec_(spec) {
    struct timeval tv;
    tv.tv_sec = static_cast<time_t>(timeoutMs / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeoutMs % 1000) * 1000);
    if (spec.address.kind == Address::Kind::Unix)
        ctx_.reset(redisConnectUnixWithTimeout(spec.address.path.c_str(), tv));
    else
        ctx_.reset(redisConnectWithTimeout(spec.address.host.c_str(), spec.address.port, tv));
    if (!ctx_) throw LinkError(where() + ": cannot allocate a connection");
    if (ctx_->err) fail("cannot connect");
    // The connect timeout bounds every later read and write too: a stalled
    // database ends the check with exit status 2 instead of hanging it.
    if (redisSetTimeout(ctx_.get(), tv) != REDIS_OK) fail("cannot set the timeout");
    if (!spec.password.empty()) {
        Reply r = spec.user.empty() ? command({"AUTH", spec.password}) : command({"AUTH", spec.user, spec.password});
        if (isError(r.get())) throw LinkError(where() + ": AUTH refused: " + std::string(replyText(r.get())));
    }
    if (spec.db >= 0) {
        std::string db = std::to_string(spec.db);
        Reply r = command({"SELECT", db});
        if (isError(r.get())) throw LinkError(where() + ": SELECT refused: " + std::string(replyText(r.get())));
    }
    Reply pong = command({"PING"});
    if (isError(pong.get())) throw LinkError(where() + ": PING refused: " + std::string(replyText(pong.get())));
}

void DbLink::fail(const std::string &what) {
    std::string detail = ctx_ && ctx_->errstr[0] ? ctx_->errstr : "connection lost";
    throw LinkError(where() + ": " + what + ": " + detail);
}

void DbLink::append(const std::vector<std::string_view> &args) {
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (std::string_view a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK)
        fail("cannot queue a command");
}

void DbLink::flush() {
    int done = 0;
    while (!done)
        if (redisBufferWrite(ctx_.get(), &done) != REDIS_OK) fail("write failed");
}

Reply DbLink::next() {
    void *raw = nullptr;
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || !raw) fail("no reply");
    return Reply(static_cast<redisReply *>(raw));
}

Reply DbLink::command(const std::vector<std::string_view> &args) {
    append(args);
    return next();
}

}  // namespace dbsync::check
