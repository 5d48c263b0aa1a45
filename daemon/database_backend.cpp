#include "database_backend.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>

#include "fanout.hpp"
#include "log.hpp"
#include "resp_writer.hpp"

namespace dbsync {
namespace {

// First reconnect within 50 ms, doubling up to --reconnect-max.
constexpr uint64_t kFirstRetryMs = 50;

}  // namespace

DatabaseBackend::DatabaseBackend(EventLoop &loop, DatabaseSpec spec, Limits limits)
    : loop_(loop), spec_(std::move(spec)), limits_(limits), adapter_(loop),
      rng_(std::random_device{}()) {}

DatabaseBackend::~DatabaseBackend() { shutdown(); }

const char *DatabaseBackend::stateName() const {
    switch (state_) {
    case State::Connecting: return "connecting";
    case State::Up: return "up";
    case State::Down: return "down";
    }
    return "?";
}

void DatabaseBackend::connect() {
    reconnectTimer_ = 0;
    if (stopping_) return;
    dropReason_.clear();
    const Address &a = spec_.address;
    redisAsyncContext *ac = a.kind == Address::Kind::Unix ? redisAsyncConnectUnix(a.path.c_str())
                                                          : redisAsyncConnect(a.host.c_str(), a.port);
    // hiredis resolves a host name with a blocking getaddrinfo: the loop's
    // cached clock may be far behind now, and the connect timeout must
    // count from here.
    loop_.refreshNow();
    if (ac == nullptr || ac->err) {
        lastError = ac ? ac->errstr : "out of memory";
        if (ac) redisAsyncFree(ac);
        state_ = State::Down;
        scheduleReconnect();
        return;
    }
    ac->data = this;
    if (!adapter_.attach(ac)) {
        lastError = "cannot watch the connection";
        redisAsyncFree(ac);
        state_ = State::Down;
        scheduleReconnect();
        return;
    }
    ctx_ = ac;
    state_ = State::Connecting;
    connectStartMs_ = loop_.nowMs();
    redisAsyncSetConnectCallback(ac, onConnect);
    redisAsyncSetDisconnectCallback(ac, onDisconnect);

    // AUTH and SELECT go first in the connection's output buffer, so every
    // command queued after them runs authenticated and in the right database.
    if (!spec_.password.empty()) {
        std::vector<std::string> auth{"AUTH"};
        if (!spec_.user.empty()) auth.push_back(spec_.user);
        auth.push_back(spec_.password);
        std::string cmd;
        resp::appendCommand(cmd, auth);
        enqueue(nullptr, cmd, true);
    }
    if (spec_.db >= 0) {
        std::string cmd;
        resp::appendCommand(cmd, std::vector<std::string>{"SELECT", std::to_string(spec_.db)});
        enqueue(nullptr, cmd, true);
    }
}

void DatabaseBackend::scheduleReconnect() {
    if (stopping_ || reconnectTimer_) return;
    uint64_t delay = kFirstRetryMs << std::min(attempt_, 16u);
    delay = std::min(delay, limits_.reconnectMaxMs);
    attempt_++;
    // Jitter spreads the retries of many dbsyncd instances after a restart.
    std::uniform_int_distribution<uint64_t> jitter(delay / 2, delay);
    reconnectTimer_ = loop_.addTimer(jitter(rng_), [this] { connect(); });
}

void DatabaseBackend::onConnect(const redisAsyncContext *ac, int status) {
    auto *self = static_cast<DatabaseBackend *>(ac->data);
    if (status != REDIS_OK) {
        self->gone(ac, ac->errstr[0] ? ac->errstr : "connect failed");
        return;
    }
    if (ac != self->ctx_) return;
    self->state_ = State::Up;
    self->attempt_ = 0;
    if (self->everConnected_) self->reconnects++;
    if (self->reportedDown_ || !self->everConnected_) LOG_NOTICE("database %s is up", self->name().c_str());
    self->everConnected_ = true;
    self->reportedDown_ = false;
}

void DatabaseBackend::onDisconnect(const redisAsyncContext *ac, int status) {
    auto *self = static_cast<DatabaseBackend *>(ac->data);
    std::string reason = status == REDIS_OK ? (self->dropReason_.empty() ? "connection closed" : self->dropReason_)
                                            : (ac->errstr[0] ? ac->errstr : "connection lost");
    self->gone(ac, reason);
}

void DatabaseBackend::gone(const redisAsyncContext *ac, const std::string &reason) {
    if (ac != ctx_) return;  // an old context being torn down
    ctx_ = nullptr;
    awaitingReplies_ = 0;
    state_ = State::Down;
    lastError = reason;
    if (!reportedDown_ && !stopping_) {
        LOG_WARN("database %s is down: %s", name().c_str(), reason.c_str());
        reportedDown_ = true;
    }
    // Commands still queued are failed by hiredis with NULL replies as it
    // frees the context; remember why, for their error message.
    if (dropReason_.empty()) dropReason_ = reason;
    scheduleReconnect();
}

void DatabaseBackend::drop(const std::string &reason) {
    if (!ctx_) return;
    redisAsyncContext *ac = ctx_;
    dropReason_ = reason;
    // Frees at once (we are never inside a hiredis callback here): pending
    // callbacks run with NULL, then onDisconnect if it had connected.
    redisAsyncFree(ac);
    gone(ac, reason);
    dropReason_.clear();
}

void DatabaseBackend::failFast(FanoutRequest *req, const std::string &why) {
    failures++;
    req->onUnreachable(name() + ": " + why);
    req->release();
}

bool DatabaseBackend::enqueue(FanoutRequest *req, std::string_view resp, bool prelude) {
    if (redisAsyncFormattedCommand(ctx_, onReplyCallback, nullptr, resp.data(), resp.size()) != REDIS_OK) return false;
    inflight_.push_back({req, loop_.nowUs(), prelude});
    return true;
}

bool DatabaseBackend::flushWrites(bool mayHold) {
    if (!adapter_.hasDeferredWrite()) return false;
    // The clock, not the loop's cached time: the bound counts to the write.
    uint64_t now = EventLoop::monotonicUs();
    if (mayHold && awaitingReplies_ > 0 && now - lastWriteUs_ < limits_.batchWaitUs) {
        loop_.wakeWithinUs(lastWriteUs_ + limits_.batchWaitUs - now);
        return false;
    }
    // Everything queued is in this write; hiredis answers in order, so the
    // write is answered when that many replies have come back.
    awaitingReplies_ = inflight_.size();
    lastWriteUs_ = now;
    return adapter_.flushDeferredWrite();
}

void DatabaseBackend::send(FanoutRequest *req, std::string_view resp) {
    req->retain();
    if (!ctx_) return failFast(req, "down (" + lastError + ")");
    if (inflight_.size() >= limits_.maxPending) {
        overflows++;
        return failFast(req, "too many commands pending (--db-max-pending " + std::to_string(limits_.maxPending) + ")");
    }
    if (!enqueue(req, resp, false)) return failFast(req, "connection is closing");
}

void DatabaseBackend::sendSequence(FanoutRequest *req, const std::vector<std::string> &commands) {
    req->retain();
    if (!ctx_) return failFast(req, "down (" + lastError + ")");
    if (inflight_.size() + commands.size() > limits_.maxPending) {
        overflows++;
        return failFast(req, "too many commands pending (--db-max-pending " + std::to_string(limits_.maxPending) + ")");
    }
    for (size_t i = 0; i < commands.size(); i++) {
        bool last = i + 1 == commands.size();
        if (!enqueue(last ? req : nullptr, commands[i], false)) {
            // Already-queued parts of the transaction fail with the connection.
            drop("could not queue a transaction");
            return failFast(req, "connection is closing");
        }
    }
}

void DatabaseBackend::onReplyCallback(redisAsyncContext *ac, void *reply, void *) {
    auto *self = static_cast<DatabaseBackend *>(ac->data);
    if (reply == nullptr && self->dropReason_.empty() && ac->errstr[0]) self->dropReason_ = ac->errstr;
    self->handleReply(static_cast<redisReply *>(reply));
}

void DatabaseBackend::handleReply(redisReply *reply) {
    // hiredis answers in the order commands were queued: the front is ours.
    if (inflight_.empty()) return;
    InFlight f = inflight_.front();
    inflight_.pop_front();
    if (awaitingReplies_ > 0) awaitingReplies_--;
    if (reply == nullptr) {
        if (f.req) {
            failures++;
            std::string why = dropReason_.empty() ? (lastError.empty() ? "connection lost" : lastError) : dropReason_;
            f.req->onUnreachable(name() + ": " + why);
            f.req->release();
        }
        return;
    }
    uint64_t latency = loop_.nowUs() - f.sentUs;
    latencyTotalUs += latency;
    latencyCount++;
    size_t b = 0;
    while (b < kLatencyBuckets && latency > kLatencyBucketsUs[b]) b++;
    latencyBucket[b]++;
    if (f.prelude) {
        if (reply->type == REDIS_REPLY_ERROR) {
            std::string why = "AUTH/SELECT failed: " + std::string(reply->str, reply->len);
            LOG_ERROR("database %s: %s", name().c_str(), why.c_str());
            lastError = why;
            // Not from inside hiredis's callback: tear down on the next turn.
            loop_.addTimer(0, [this, why] { drop(why); });
        }
        return;
    }
    if (!f.req) return;  // MULTI / QUEUED replies of a transaction
    replies++;
    f.req->onReply(reply);
    f.req->release();
}

void DatabaseBackend::checkTimeouts(uint64_t nowMs) {
    if (!ctx_) return;
    if (state_ == State::Connecting && nowMs - connectStartMs_ >= limits_.connectTimeoutMs) {
        drop("connect timed out after " + std::to_string(limits_.connectTimeoutMs) + " ms");
        return;
    }
    if (!inflight_.empty() && loop_.nowUs() - inflight_.front().sentUs >= limits_.replyTimeoutMs * 1000) {
        // A stalled database: fail what it holds and reconnect, rather than
        // let every later command wait behind the stuck one.
        drop("no reply within " + std::to_string(limits_.replyTimeoutMs) + " ms (--db-timeout)");
    }
}

void DatabaseBackend::shutdown() {
    stopping_ = true;
    if (reconnectTimer_) loop_.cancelTimer(reconnectTimer_);
    reconnectTimer_ = 0;
    drop("dbsyncd is shutting down");
}

}  // namespace dbsync
