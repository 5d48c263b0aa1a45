// One Redis database that dbsyncd keeps in step: its connection
// (database_link.hpp), the outbox of what it is owed, reconnects with backoff, timeouts.
//
// The connection goes through these states:
//
//   Down ──connect()──▶ Connecting ──TCP up──▶ Handshaking ──AUTH/SELECT ok──▶ Ready
//     ▲                     │                      │                            │
//     └──── lost, refused, timed out, AUTH/SELECT refused ◀─────────────────────┘
//
// Until it is Ready a connection carries only its own handshake. Commands
// are written only to a Ready connection, and only by flushWrites(), from
// the outbox (database_outbox.hpp): none can run before its connection is
// authenticated and in the right database. While Connecting
// or Handshaking, commands wait in the outbox (bounded by --db-max-pending,
// and by --connect-timeout); while Down they fail fast. The backoff starts
// over only once a connection is Ready, so a database that accepts
// connections but refuses AUTH or SELECT is retried ever more slowly.
// A journal (docs/design.md, "Invariants") will add states after Handshaking,
// "catching up" (replaying what the database missed before new commands)
// and "diverged" (out of service until resynced).
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "database_outbox.hpp"
#include "event_loop.hpp"
#include "database_control.hpp"
#include "database_link.hpp"
#include "options.hpp"

namespace dbsync {

class FanoutRequest;

class DatabaseBackend : private DatabaseLink::Owner {
public:
    enum class State { Down, Connecting, Handshaking, Ready };

    struct Limits {
        uint64_t replyTimeoutMs;
        uint64_t connectTimeoutMs;
        uint64_t reconnectMaxMs;
        size_t maxPending;
        uint64_t batchWaitUs;  // --db-batch-wait
        size_t maxReplyBytes;  // --db-max-reply-bytes (0: no bound)
    };

    DatabaseBackend(EventLoop &loop, DatabaseSpec spec, Limits limits);
    ~DatabaseBackend();
    DatabaseBackend(const DatabaseBackend &) = delete;
    DatabaseBackend &operator=(const DatabaseBackend &) = delete;

    void start() { connect(); }

    // Adds one RESP command to this database's outbox. The request learns
    // the outcome through onReply, onNotSent or onOutcomeUnknown, possibly
    // before send returns (database down, --db-max-pending reached: fail
    // fast).
    void send(FanoutRequest *req, std::string_view resp);
    // Several commands back to back on this connection (MULTI ... EXEC): only
    // the last reply goes to the request; the others are checked, not relayed.
    void sendSequence(FanoutRequest *req, const std::vector<std::string> &commands);
    // SCRIPT KILL / FUNCTION KILL: on a connection of their own
    // (database_control.hpp), past the busy script the command connection
    // waits for. Not while the database is Down: it fails fast.
    void sendControl(FanoutRequest *req, std::string_view resp);

    // Called by the janitor: enforces connect and reply timeouts.
    void checkTimeouts(uint64_t nowMs);
    // The one place commands are written: when Ready and the socket took
    // the previous write, the outbox's unwritten commands go out in one
    // write (before sleep), unless mayHold and the previous write still
    // awaits replies and is younger than --db-batch-wait: then they wait
    // for those replies, or for the bound, and more commands join them.
    // Fewer, fuller writes cost the database and dbsyncd less per command.
    // True if it wrote.
    bool flushWrites(bool mayHold);
    // Stops reconnecting and fails whatever is owed (at exit).
    void shutdown();

    State state() const { return state_; }
    // shutdown() began: what it still owes fails, and is not tried elsewhere.
    bool stopping() const { return stopping_; }
    // As DBSYNC INFO and the metrics show it: Ready is "up".
    const char *stateName() const;
    const DatabaseSpec &spec() const { return spec_; }
    std::string name() const { return spec_.display(); }
    // Commands owed: written and awaiting a reply, or waiting to be written.
    size_t pending() const { return outbox_.size(); }
    // Of those, the ones a client request waits for (a transaction counts
    // once), by part: for what shutdown gives up (server.cpp).
    size_t requestsAwaitingReply() const { return outbox_.requestsWritten(); }
    size_t requestsUnwritten() const { return outbox_.requestsUnwritten(); }

    // Counters for DBSYNC INFO / metrics.
    uint64_t replies = 0;             // replies received, error replies included
    uint64_t failures = 0;            // commands this database failed to take or answer
    uint64_t lostWithConnection = 0;  // of which taken into the outbox, then failed with its connection
    uint64_t outcomeUnknown = 0;      // of which written first: they may have been applied
    uint64_t reconnects = 0;          // connections established after the first
    uint64_t overflows = 0;           // commands refused over --db-max-pending
    uint64_t latencyTotalUs = 0;
    uint64_t latencyCount = 0;
    std::string lastError;
    // For --read-from nearest (read_router.cpp): an exponentially weighted
    // moving average of reply latency, each reply weighing 1/8, and when it
    // last had a sample (or a read was sent to refresh it).
    uint64_t latencyAverageUs = 0;
    uint64_t latencySampledMs = 0;
    // A write failed here (not sent, or its outcome unknown) since dbsyncd
    // started: this database may lack it. Nothing clears it: without a
    // journal (docs/design.md, "Invariants") it stays behind until it is
    // resynced and dbsyncd restarted, so reads prefer other databases.
    bool missedWrites = false;
    // Reply latency histogram buckets (µs upper bounds), for metrics.
    static constexpr uint64_t kLatencyBucketsUs[] = {100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000};
    static constexpr size_t kLatencyBuckets = sizeof(kLatencyBucketsUs) / sizeof(kLatencyBucketsUs[0]);
    uint64_t latencyBucket[kLatencyBuckets + 1] = {};

private:
    void connect();
    void writeHandshake();
    void becomeReady();
    void scheduleReconnect();
    // The connection is unusable: close it, then lost(). Safe from inside
    // the link's callbacks.
    void drop(const std::string &reason, bool handshakeRefused = false);
    // The connection is closed: fail what it owed, go Down, schedule a
    // reconnect.
    void lost(const std::string &reason, bool handshakeRefused);
    void markDown(const std::string &reason, bool handshakeRefused);
    bool admit(FanoutRequest *req);
    void failFast(FanoutRequest *req, const std::string &why);
    // `req` failed here: a write marks missedWrites.
    void noteFailed(const FanoutRequest *req);

    void onLinkUp() override;
    void onLinkReply(const FramedReply &reply) override;
    void onLinkLost(const std::string &why) override;

    EventLoop &loop_;
    DatabaseSpec spec_;
    Limits limits_;
    DatabaseLink link_;
    State state_ = State::Down;
    bool everConnected_ = false;
    bool stopping_ = false;
    // Log a database going down once per episode (until it is Ready
    // again), not once per attempt.
    bool reportedDown_ = false;
    bool reportedRefused_ = false;  // of which: AUTH/SELECT refused
    uint64_t connectStartMs_ = 0;  // the attempt began: --connect-timeout covers connect and handshake
    unsigned attempt_ = 0;         // reconnects since the last Ready connection: the backoff
    EventLoop::TimerId reconnectTimer_ = 0;
    std::vector<std::string> handshake_;  // what each handshake command is, for messages ("SELECT 3")
    size_t handshakeReplies_ = 0;         // of those, replies still to come
    DatabaseOutbox outbox_;
    // Kills on their own connections; the answered ones are freed by
    // flushWrites(), outside their connection's callbacks.
    std::vector<std::unique_ptr<DatabaseControl>> controls_;
    // Written commands (from the outbox's front) covered by the last write
    // and still unanswered, and when that write left.
    size_t awaitingReplies_ = 0;
    uint64_t lastWriteUs_ = 0;
    std::minstd_rand rng_;
};

}  // namespace dbsync
