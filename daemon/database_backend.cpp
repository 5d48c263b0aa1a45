#include "database_backend.hpp"


#include <algorithm>

#include "fanout.hpp"
#include "log.hpp"
#include "resp_writer.hpp"

namespace dbsync {
namespace {

// First reconnect within 50 ms, doubling up to --reconnect-max.
constexpr uint64_t kFirstRetryMs = 50;

}  // namespace

namespace {

ReplyFramerLimits framerLimits(size_t maxReplyBytes) {
    ReplyFramerLimits l;
    // One bound for both: a bulk string is never longer than its reply,
    // and Redis's own proto-max-bulk-len can be raised past 512 MB.
    if (maxReplyBytes > 0) {
        l.max_reply_bytes = l.max_bulk_bytes = maxReplyBytes;
    } else {
        l.max_bulk_bytes = l.max_reply_bytes;
    }
    return l;
}

}  // namespace

DatabaseBackend::DatabaseBackend(EventLoop &loop, DatabaseSpec spec, Limits limits)
    : loop_(loop), spec_(std::move(spec)), limits_(limits), link_(loop, *this, framerLimits(limits.maxReplyBytes)),
      rng_(std::random_device{}()) {
    if (!spec_.password.empty()) handshake_.push_back("AUTH");
    if (spec_.db >= 0) handshake_.push_back("SELECT " + std::to_string(spec_.db));
}

DatabaseBackend::~DatabaseBackend() { shutdown(); }

const char *DatabaseBackend::stateName() const {
    switch (state_) {
    case State::Down: return "down";
    case State::Connecting: return "connecting";
    case State::Handshaking: return "handshaking";
    case State::Ready: return "up";
    }
    return "?";
}

void DatabaseBackend::connect() {
    reconnectTimer_ = 0;
    if (stopping_) return;
    std::string why;
    bool opened = link_.open(spec_.address, why);
    // A host name is resolved with a blocking getaddrinfo: the loop's
    // cached clock may be far behind now, and the connect timeout must
    // count from here.
    loop_.refreshNow();
    if (!opened) {
        markDown(why, false);
        scheduleReconnect();
        return;
    }
    connectStartMs_ = loop_.nowMs();
    // The handshake is queued first, so it leaves as soon as the connect
    // completes; commands wait in the outbox until every step succeeded.
    state_ = State::Connecting;
    writeHandshake();
}

void DatabaseBackend::writeHandshake() {
    handshakeReplies_ = 0;
    std::string bytes;
    if (!spec_.password.empty()) {
        std::vector<std::string> auth{"AUTH"};
        if (!spec_.user.empty()) auth.push_back(spec_.user);
        auth.push_back(spec_.password);
        resp::appendCommand(bytes, auth);
        handshakeReplies_++;
    }
    if (spec_.db >= 0) {
        resp::appendCommand(bytes, std::vector<std::string>{"SELECT", std::to_string(spec_.db)});
        handshakeReplies_++;
    }
    link_.queue(bytes);
}

void DatabaseBackend::onLinkUp() {
    if (handshakeReplies_ == 0) {
        becomeReady();
    } else {
        state_ = State::Handshaking;
    }
}

void DatabaseBackend::onLinkLost(const std::string &why) { lost(why, false); }

void DatabaseBackend::becomeReady() {
    state_ = State::Ready;
    // Only a connection that took its handshake ends the backoff: one that
    // connects and is then refused is retried ever more slowly.
    attempt_ = 0;
    if (everConnected_) reconnects++;
    if (reportedDown_ || !everConnected_) LOG_NOTICE("database %s is up", name().c_str());
    everConnected_ = true;
    reportedDown_ = reportedRefused_ = false;
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

void DatabaseBackend::markDown(const std::string &reason, bool handshakeRefused) {
    state_ = State::Down;
    lastError = reason;
    if (stopping_) return;
    // Each once per episode, until the database is Ready again. A refused
    // AUTH/SELECT is a configuration problem worth an error of its own,
    // even after the database was first logged down for another reason
    // (restarted, and now with other passwords or fewer databases).
    if (handshakeRefused && !reportedRefused_) {
        LOG_ERROR("database %s is down: %s (retrying with backoff up to --reconnect-max)", name().c_str(),
                  reason.c_str());
        reportedRefused_ = reportedDown_ = true;
    } else if (!reportedDown_) {
        LOG_WARN("database %s is down: %s", name().c_str(), reason.c_str());
        reportedDown_ = true;
    }
}

void DatabaseBackend::drop(const std::string &reason, bool handshakeRefused) {
    if (!link_.isOpen()) return;  // already given up
    link_.close();
    lost(reason, handshakeRefused);
}

void DatabaseBackend::lost(const std::string &reason, bool handshakeRefused) {
    awaitingReplies_ = 0;
    handshakeReplies_ = 0;
    markDown(reason, handshakeRefused);
    scheduleReconnect();
    // Everything it was owed fails now: what was written may have been
    // applied, what was not was not. A request may be decided and its
    // client send more, which finds this database Down and fails fast.
    DatabaseOutbox::Taken owed = outbox_.takeAll();
    for (size_t i = 0; i < owed.entries.size(); i++) {
        FanoutRequest *req = owed.entries[i].req;
        if (!req) continue;
        failures++;
        lostWithConnection++;
        noteFailed(req);
        if (i < owed.written) {
            outcomeUnknown++;
            req->onOutcomeUnknown(name() + ": " + reason);
        } else {
            req->onNotSent(name() + ": " + reason);
        }
        req->release();
    }
}

void DatabaseBackend::failFast(FanoutRequest *req, const std::string &why) {
    failures++;
    req->onNotSent(name() + ": " + why);
    req->release();
}

void DatabaseBackend::noteFailed(const FanoutRequest *req) {
    if (req->isRead() || missedWrites || stopping_) return;
    missedWrites = true;
    LOG_WARN("database %s missed a write: reads go to databases that did not, while one is up, "
             "until it is resynced (dbsync-check) and dbsyncd restarted", name().c_str());
}

bool DatabaseBackend::admit(FanoutRequest *req) {
    if (state_ == State::Down) {
        noteFailed(req);
        failFast(req, "down (" + lastError + ")");
        return false;
    }
    // A transaction is one unit, as it is to Redis: it is admitted whole
    // while there is room for one more, so no size of transaction that
    // Redis would take is refused for good.
    if (outbox_.size() >= limits_.maxPending) {
        overflows++;
        noteFailed(req);
        failFast(req, "too many commands pending (--db-max-pending " + std::to_string(limits_.maxPending) + ")");
        return false;
    }
    return true;
}

void DatabaseBackend::send(FanoutRequest *req, std::string_view resp) {
    req->retain();
    if (admit(req)) outbox_.push(req, resp, loop_.nowUs());
}

void DatabaseBackend::sendSequence(FanoutRequest *req, const std::vector<std::string> &commands) {
    req->retain();
    if (!admit(req)) return;
    // Back to back in the outbox, so they are written back to back.
    for (size_t i = 0; i < commands.size(); i++)
        outbox_.push(i + 1 == commands.size() ? req : nullptr, commands[i], loop_.nowUs());
}

void DatabaseBackend::sendControl(FanoutRequest *req, std::string_view resp) {
    req->retain();
    if (state_ == State::Down) {
        failFast(req, "down (" + lastError + ")");
        return;
    }
    auto control = std::make_unique<DatabaseControl>(loop_, spec_, name(), req);
    req->release();  // the control holds its own reference
    control->start(resp, loop_.nowMs() + limits_.connectTimeoutMs + limits_.replyTimeoutMs);
    controls_.push_back(std::move(control));
}

bool DatabaseBackend::flushWrites(bool mayHold) {
    if (!controls_.empty())
        std::erase_if(controls_, [](const std::unique_ptr<DatabaseControl> &c) { return c->done(); });
    if (state_ != State::Ready || outbox_.unwritten() == 0) return false;
    // The socket has not taken the last write yet (a slow or paused
    // database): the rest stays in the outbox, known unwritten, rather
    // than pile up in the link's buffer. EPOLLOUT resumes it.
    if (link_.waitsForWritable()) return false;
    // The clock, not the loop's cached time: the bound counts to the write.
    uint64_t now = EventLoop::monotonicUs();
    if (mayHold && awaitingReplies_ > 0 && now - lastWriteUs_ < limits_.batchWaitUs) {
        loop_.wakeWithinUs(lastWriteUs_ + limits_.batchWaitUs - now);
        return false;
    }
    outbox_.writeUnwritten(
        [this](const char *bytes, size_t size) {
            link_.queue(std::string_view(bytes, size));
            return true;
        },
        loop_.nowUs());
    // Everything written is in this write; Redis answers in order, so
    // the write is answered when that many replies have come back.
    awaitingReplies_ = outbox_.written();
    lastWriteUs_ = now;
    link_.flush();
    return true;
}

void DatabaseBackend::onLinkReply(const FramedReply &reply) {
    if (handshakeReplies_ > 0) {
        const std::string &step = handshake_[handshake_.size() - handshakeReplies_];
        handshakeReplies_--;
        if (reply.isError()) {
            // "-ERR text\r\n": the text without the framing.
            std::string why = step + " failed: " + std::string(reply.bytes.substr(1, reply.bytes.size() - 3));
            drop(why, true);
            return;
        }
        if (handshakeReplies_ == 0) becomeReady();
        return;
    }
    if (outbox_.written() == 0) {
        // RESP2 has no unsolicited replies: the stream is out of step.
        drop("a reply to no command");
        return;
    }
    // Redis answers in the order commands were written: the front is this one.
    DatabaseOutbox::Entry e = outbox_.popAnswered();
    if (awaitingReplies_ > 0) awaitingReplies_--;
    uint64_t latency = loop_.nowUs() - e.queuedUs;
    latencyTotalUs += latency;
    latencyCount++;
    size_t b = 0;
    while (b < kLatencyBuckets && latency > kLatencyBucketsUs[b]) b++;
    latencyBucket[b]++;
    if (latencyCount == 1) latencyAverageUs = latency;
    else latencyAverageUs = latencyAverageUs - latencyAverageUs / 8 + latency / 8;
    latencySampledMs = loop_.nowMs();
    if (!e.req) return;  // MULTI / QUEUED replies of a transaction
    replies++;
    e.req->onReply(reply.bytes, reply.isError());
    e.req->release();
}

void DatabaseBackend::checkTimeouts(uint64_t nowMs) {
    for (auto &control : controls_) control->checkTimeout(nowMs);
    if (!link_.isOpen()) return;
    if (state_ != State::Ready && nowMs - connectStartMs_ >= limits_.connectTimeoutMs) {
        std::string ms = std::to_string(limits_.connectTimeoutMs);
        drop(state_ == State::Connecting ? "connect timed out after " + ms + " ms"
                                         : "AUTH/SELECT unanswered after " + ms + " ms (--connect-timeout)");
        return;
    }
    if (outbox_.written() > 0 && loop_.nowUs() - outbox_.front().writtenUs >= limits_.replyTimeoutMs * 1000) {
        // A stalled database: fail what it holds and reconnect, rather than
        // let every later command wait behind the stuck one.
        drop("no reply within " + std::to_string(limits_.replyTimeoutMs) + " ms (--db-timeout)");
    }
}

void DatabaseBackend::shutdown() {
    stopping_ = true;
    if (reconnectTimer_) loop_.cancelTimer(reconnectTimer_);
    reconnectTimer_ = 0;
    controls_.clear();
    drop("dbsyncd is shutting down");
}

}  // namespace dbsync
