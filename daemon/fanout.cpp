#include "fanout.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "client_conn.hpp"
#include "database_backend.hpp"
#include "event_loop.hpp"
#include "leader_first.hpp"
#include "log.hpp"
#include "log_limiter.hpp"
#include "read_router.hpp"
#include "reply_framer.hpp"
#include "resp_writer.hpp"
#include "stats.hpp"

namespace dbsync {
namespace {

// Freed requests, kept for the next ones. malloc showed up at a few percent
// of dbsyncd's CPU under pipelined load, mostly for these, because hundreds
// are in flight at once and freed in bursts, which glibc's small per-size
// caches do not absorb. Bounded, so a burst of in-flight requests does not
// stay allocated for good; single-threaded like the rest of the daemon.
// Off under AddressSanitizer, which could not see a use after free in a
// recycled request.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kMaxFreeRequests = 0;
#else
constexpr size_t kMaxFreeRequests = 4096;
#endif

struct FreeBlock {
    FreeBlock *next;
};
FreeBlock *freeList = nullptr;
size_t freeCount = 0;

}  // namespace

void *FanoutRequest::operator new(size_t size) {
    static_assert(sizeof(FanoutRequest) >= sizeof(FreeBlock));
    if (size == sizeof(FanoutRequest) && freeList) {
        FreeBlock *b = freeList;
        freeList = b->next;
        freeCount--;
        return b;
    }
    return ::operator new(size);
}

void FanoutRequest::operator delete(void *p) noexcept {
    if (!p) return;
    if (freeCount >= kMaxFreeRequests) {
        ::operator delete(p);
        return;
    }
    freeList = new (p) FreeBlock{freeList};
    freeCount++;
}

FanoutRequest::FanoutRequest(ClientConn *client, AckPolicy policy, size_t n, Stats &stats)
    : client_(client), stats_(stats), policy_(policy) {
    tally_.n = n;
}

FanoutRequest *FanoutRequest::withLocalReply(ClientConn *client, std::string_view reply, Stats &stats) {
    auto *req = new FanoutRequest(client, AckPolicy::One, 0, stats);
    req->reply_.assign(reply);
    req->decided_ = true;
    return req;
}

void FanoutRequest::onReply(std::string_view reply, bool error) {
    // Divergence needs two replies to compare; one database has nothing to
    // compare.
    if (effectPhase_) {
        // An effect's reply is not the command's, so it is not compared;
        // but a database that refuses the effect of what the leader applied
        // now differs from it.
        if (error != leaderError_ && !divergent_) {
            divergent_ = true;
            logDivergence();
        }
    } else if (tally_.n > 1) {
        uint64_t fp = replyFingerprint(reply);
        if (!haveFingerprint_) {
            haveFingerprint_ = true;
            fingerprint_ = fp;
        } else if (fp != fingerprint_ && !divergent_) {
            divergent_ = true;
            logDivergence();
        }
    }
    (error ? tally_.errors : tally_.ok)++;
    // Once decided, the client has its reply: late replies are counted and
    // compared above, and there is nothing to keep them for.
    if (!decided_) {
        std::string &keep = error ? error_ : success_;
        if (keep.empty()) keep.assign(reply);
        maybeDecide();
    }
    if (leader_) leaderError_ = error;
    if (LeaderFirst *leader = takeLeader()) leader->leaderAnswered(this, reply, error);
}

LeaderFirst *FanoutRequest::takeLeader() {
    LeaderFirst *leader = leader_;
    leader_ = nullptr;
    if (leader) effectPhase_ = true;
    return leader;
}

void FanoutRequest::countLikeLeader(size_t k, bool isError) {
    (isError ? tally_.errors : tally_.ok) += k;
    maybeDecide();
}

void FanoutRequest::describe(std::string_view name, std::string_view key) {
    // Every write pays for this, and few are ever logged: the bytes are
    // copied as they are, and made printable only for the log line.
    size_t n = std::min(name.size(), sizeof what_);
    std::memcpy(what_, name.data(), n);
    if (!key.empty() && n < sizeof what_) {
        what_[n++] = ' ';
        size_t k = std::min(key.size(), sizeof what_ - n);
        std::memcpy(what_ + n, key.data(), k);
        n += k;
    }
    whatLen_ = static_cast<uint8_t>(n);
}

void FanoutRequest::logDivergence() {
    // Reads answered differently say the copies differ too, but a write is
    // where they start to.
    if (read_ || whatLen_ == 0 || !stats_.divergenceLog) return;
    if (!stats_.divergenceLog->allow(EventLoop::monotonicUs() / 1000)) return;
    char what[sizeof what_];
    for (size_t i = 0; i < whatLen_; i++) {
        // Printable, so a key cannot forge log lines.
        char c = what_[i];
        what[i] = c >= 0x20 && c < 0x7f ? c : '?';
    }
    LOG_WARN("the databases answered a write differently: %.*s%s (counted in replies_divergent; "
             "dbsync-check shows which keys differ)",
             static_cast<int>(whatLen_), what, whatLen_ == sizeof what_ ? "..." : "");
}

void FanoutRequest::onNotSent(const std::string &why) {
    tally_.notSent++;
    if (notSent_.empty()) notSent_ = why;
    if (retryRead()) return;
    maybeDecide();
    if (LeaderFirst *leader = takeLeader()) leader->leaderFailed(this, false);
}

void FanoutRequest::onOutcomeUnknown(const std::string &why) {
    tally_.unknown++;
    if (unknown_.empty()) unknown_ = why;
    if (retryRead()) return;
    maybeDecide();
    if (LeaderFirst *leader = takeLeader()) leader->leaderFailed(this, true);
}

void FanoutRequest::sendRead(ReadRouter &router, bool cursor, DatabaseBackend &db, std::string_view resp) {
    read_ = true;
    cursor_ = cursor;
    router_ = &router;
    sentTo_ = &db;
    resend_.assign(resp);
    db.send(this, resp);
}

bool FanoutRequest::retryRead() {
    // At exit every database shuts down in turn (Server's destructor):
    // nothing is retried then.
    if (!router_ || retried_ || decided_ || sentTo_->stopping()) return false;
    retried_ = true;
    std::string resp = std::move(resend_);
    std::string().swap(resend_);
    DatabaseBackend *next = router_->pick(cursor_, sentTo_);
    if (!next) return false;
    // One more database to hear from: the tally stays pending until it answers.
    tally_.n++;
    stats_.readsRetried++;
    sentTo_ = next;
    next->send(this, resp);
    return true;
}

void FanoutRequest::maybeDecide() {
    if (decided_) return;
    AckOutcome outcome = decide(policy_, tally_);
    if (outcome == AckOutcome::Pending) return;
    decided_ = true;
    switch (outcome) {
    case AckOutcome::Success: reply_ = std::move(success_); break;
    case AckOutcome::DatabaseError: reply_ = std::move(error_); break;
    case AckOutcome::NotSent:
    case AckOutcome::Short: {
        stats_.failed++;
        // The first error reply is "-ERR text\r\n": quote it without the framing.
        AckReasons why{error_.empty() ? std::string() : error_.substr(1, error_.size() - 3), notSent_, unknown_};
        resp::appendError(reply_, ackFailureMessage(policy_, tally_, why));
        break;
    }
    case AckOutcome::Pending: break;
    }
    std::string().swap(success_);
    std::string().swap(error_);
    std::string().swap(resend_);
    if (client_) client_->onDecided();
}

void FanoutRequest::release() {
    if (--refs_ > 0) return;
    if (divergent_) stats_.divergent++;
    delete this;
}

}  // namespace dbsync
