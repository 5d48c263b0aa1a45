// One Redis database that dbsyncd keeps in step: its hiredis connection,
// the commands in flight on it, reconnects with backoff, reply timeouts.
//
// send() is the seam between the fan-out and the databases: everything a
// database is asked to do goes through it, so a durable per-database
// catch-up queue can later sit right here.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "event_loop.hpp"
#include "hiredis_adapter.hpp"
#include "options.hpp"

struct redisAsyncContext;
struct redisReply;

namespace dbsync {

class FanoutRequest;

class DatabaseBackend {
public:
    enum class State { Connecting, Up, Down };

    struct Limits {
        uint64_t replyTimeoutMs;
        uint64_t connectTimeoutMs;
        uint64_t reconnectMaxMs;
        size_t maxPending;
        uint64_t batchWaitUs;  // --db-batch-wait
    };

    DatabaseBackend(EventLoop &loop, DatabaseSpec spec, Limits limits);
    ~DatabaseBackend();
    DatabaseBackend(const DatabaseBackend &) = delete;
    DatabaseBackend &operator=(const DatabaseBackend &) = delete;

    void start() { connect(); }

    // Hands one RESP command to this database. The request learns the
    // outcome through onReply/onUnreachable, possibly before send returns
    // (database down, too many commands pending: fail fast).
    void send(FanoutRequest *req, std::string_view resp);
    // Several commands back to back on this connection (MULTI ... EXEC): only
    // the last reply goes to the request; the others are checked, not relayed.
    void sendSequence(FanoutRequest *req, const std::vector<std::string> &commands);

    // Called by the janitor: enforces connect and reply timeouts.
    void checkTimeouts(uint64_t nowMs);
    // Sends the commands queued so far in one write (before sleep), unless
    // mayHold and the previous write still awaits replies and is younger
    // than --db-batch-wait: then they wait for those replies, or for the
    // bound, and more commands join them. Fewer, fuller writes cost the
    // database and dbsyncd less per command. True if it wrote.
    bool flushWrites(bool mayHold);
    // Stops reconnecting and fails whatever is in flight (shutdown).
    void shutdown();

    State state() const { return state_; }
    const char *stateName() const;
    const DatabaseSpec &spec() const { return spec_; }
    std::string name() const { return spec_.display(); }
    size_t pending() const { return inflight_.size(); }

    // Counters for DBSYNC INFO / metrics.
    uint64_t replies = 0;        // replies received, error replies included
    uint64_t failures = 0;       // commands this database failed to take or answer
    uint64_t reconnects = 0;     // connections established after the first
    uint64_t overflows = 0;      // commands refused over --db-max-pending
    uint64_t latencyTotalUs = 0;
    uint64_t latencyCount = 0;
    std::string lastError;
    // Reply latency histogram buckets (µs upper bounds), for metrics.
    static constexpr uint64_t kLatencyBucketsUs[] = {100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000};
    static constexpr size_t kLatencyBuckets = sizeof(kLatencyBucketsUs) / sizeof(kLatencyBucketsUs[0]);
    uint64_t latencyBucket[kLatencyBuckets + 1] = {};

private:
    // What each command in flight is, in the order hiredis will answer them.
    struct InFlight {
        FanoutRequest *req;  // null for our own commands (AUTH, SELECT, MULTI...)
        uint64_t sentUs;
        bool prelude;        // AUTH/SELECT: a failure means the connection is unusable
    };

    void connect();
    void scheduleReconnect();
    void drop(const std::string &reason);
    void gone(const redisAsyncContext *ac, const std::string &reason);
    bool enqueue(FanoutRequest *req, std::string_view resp, bool prelude);
    void failFast(FanoutRequest *req, const std::string &why);
    void handleReply(redisReply *reply);

    static void onConnect(const redisAsyncContext *ac, int status);
    static void onDisconnect(const redisAsyncContext *ac, int status);
    static void onReplyCallback(redisAsyncContext *ac, void *reply, void *privdata);

    EventLoop &loop_;
    DatabaseSpec spec_;
    Limits limits_;
    HiredisAdapter adapter_;
    redisAsyncContext *ctx_ = nullptr;
    State state_ = State::Down;
    bool everConnected_ = false;
    bool stopping_ = false;
    bool reportedDown_ = false;  // log a database going down once, not per attempt
    uint64_t connectStartMs_ = 0;
    unsigned attempt_ = 0;
    EventLoop::TimerId reconnectTimer_ = 0;
    std::string dropReason_;  // why in-flight commands are failing right now
    std::deque<InFlight> inflight_;
    // Commands of inflight_ (from the front) covered by the last write and
    // still unanswered, and when that write left.
    size_t awaitingReplies_ = 0;
    uint64_t lastWriteUs_ = 0;
    std::minstd_rand rng_;
};

}  // namespace dbsync
