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
//
// With a journal (write_journal.hpp) the handshake also reads the
// database's applied marker, and a second state says where the database
// stands in the stream of writes:
//
//   Unknown ──marker read──▶ Replaying ──replay reached the journal's head──▶ Live
//     ▲                        │  ▲                                            │
//     └── connection lost ◀────┘  └──── over --db-max-pending ◀────────────────┤
//                                                                              │
//   Diverged: past --journal-max-bytes/--journal-max-age, restarted empty, or ◀┘
//             missing writes the journal lost; out of service until resynced.
//
// Only a Live database gets new writes and reads; the others get them
// later, in order, from the journal (replayMore()).
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "command_table.hpp"
#include "database_outbox.hpp"
#include "journal_reader.hpp"
#include "write_journal.hpp"
#include "event_loop.hpp"
#include "database_control.hpp"
#include "database_link.hpp"
#include "options.hpp"

namespace dbsync {

class FanoutRequest;

class DatabaseBackend : private DatabaseLink::Owner {
public:
    enum class State { Down, Connecting, Handshaking, Ready };
    // Where it stands in the journal's stream of writes; Off without a journal.
    enum class Position { Off, Unknown, Replaying, Live, Diverged };

    struct Limits {
        uint64_t replyTimeoutMs;
        uint64_t connectTimeoutMs;
        uint64_t reconnectMaxMs;
        size_t maxPending;
        uint64_t batchWaitUs;  // --db-batch-wait
        size_t maxReplyBytes;  // --db-max-reply-bytes (0: no bound)
        bool readCommandTable = false;  // --command-table databases: COMMAND in the handshake
    };

    DatabaseBackend(EventLoop &loop, DatabaseSpec spec, Limits limits);
    ~DatabaseBackend();
    DatabaseBackend(const DatabaseBackend &) = delete;
    DatabaseBackend &operator=(const DatabaseBackend &) = delete;

    void start() { connect(); }
    // Before start(): writes are journaled, and this database resumes from
    // its applied marker. `knownApplied`: what it had applied at the last
    // save of the journal's state (what retirement waits for until its
    // marker is read).
    void attachJournal(WriteJournal &journal, uint64_t knownApplied);

    // Adds one RESP command to this database's outbox. The request learns
    // the outcome through onReply, onNotSent or onOutcomeUnknown, possibly
    // before send returns (database down, --db-max-pending reached: fail
    // fast).
    void send(FanoutRequest *req, std::string_view resp);
    // Several commands back to back on this connection (MULTI ... EXEC): only
    // the last reply goes to the request; the others are checked, not relayed.
    void sendSequence(FanoutRequest *req, const std::vector<std::string> &commands);
    // A write (journaled or not): to the outbox while this database is
    // Live (or has no journal); otherwise the request learns it was not
    // sent, and the journal brings it later. True if it took it.
    bool sendWrite(FanoutRequest *req, const OutgoingWrite &write);
    // A write no request waits for (leader_first.hpp): a journal record
    // that sets the applied marker (a marker alone, `inDoubt` or not, or a
    // fix-up) goes to the outbox while Live, else the journal brings it; one
    // not journaled goes while the database takes writes, else it is missed.
    void sendRecord(const OutgoingWrite &write, bool inDoubt = false);
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
    Position position() const { return position_; }
    // Takes new writes and reads now: Ready and, with a journal, Live.
    bool serving() const { return state_ == State::Ready && (position_ == Position::Off || position_ == Position::Live); }
    bool diverged() const { return position_ == Position::Diverged; }
    // The last journal record it is known to have applied: where its
    // replay would start.
    uint64_t applied() const { return applied_; }
    // The same, once it has applied a write through this journal (0 before):
    // a database that did and then shows no marker lost its data.
    uint64_t appliedWrites() const { return hasAppliedWrites_ ? applied_ : 0; }
    // How far behind the journal's head it is (0 without a journal).
    uint64_t behindEntries() const;
    uint64_t behindBytes() const;
    uint64_t behindSeconds() const;
    // Out of service until resynced: logged at error, remembered in the
    // journal's state.
    void diverge(const std::string &why);
    // DBSYNC RESYNC (resync_command.cpp): a diverged database is being made
    // a copy of a healthy one; the journal keeps every write meanwhile.
    bool resyncing() const { return resyncing_; }
    void beginResync() { resyncing_ = true; }
    void abortResync() { resyncing_ = false; }
    // The copy is done: it leaves the diverged state and, reconnected,
    // resumes from the marker it now holds (the healthy one's), like any
    // database that was away.
    void endResync();
    // The journal lost writes up to `marker` that another database holds:
    // diverged if it resumed below that.
    void checkAhead(uint64_t marker);
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
    uint64_t replayed = 0;            // journal records replayed to it
    uint64_t latencyTotalUs = 0;
    uint64_t latencyCount = 0;
    std::string lastError;
    // For --read-from nearest (read_router.cpp): an exponentially weighted
    // moving average of reply latency, each reply weighing 1/8, and when it
    // last had a sample (or a read was sent to refresh it).
    uint64_t latencyAverageUs = 0;
    uint64_t latencySampledMs = 0;
    // Without a journal: a write failed here (not sent, or its outcome
    // unknown) since dbsyncd started, so this database may lack it for
    // good, and reads prefer other databases. Nothing clears it but a
    // restart. With a journal it is never set: the journal brings what the
    // database missed, and it is not read from until then (serving()).
    bool missedWrites = false;
    // Its own command table, read with COMMAND at each connect
    // (command_table_live.hpp); null when it did not give one. The version
    // changes with each table read, for Server to merge them again.
    std::shared_ptr<const CommandTable> commands;
    uint64_t commandsVersion = 0;
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
    // The marker the handshake read: where replay starts.
    void resumeFromMarker();
    // Replaying: moves journal records into the outbox, up to
    // --catchup-inflight entries in it; Live once it reached the head.
    void replayMore();
    // Ends an outbox entry with its last reply; the request gets it in
    // the entry's shape (ReplyShape).
    void deliver(const DatabaseOutbox::Entry &e, const FramedReply &reply);
    void failFast(FanoutRequest *req, const std::string &why);
    std::string notServingReason() const;
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
    // The handshake's commands, in order: what each reply is for, and its
    // name for messages ("SELECT 3").
    struct HandshakeStep {
        enum Kind { Required, Optional, ClientId, Marker, Commands } kind;
        std::string name;
    };
    std::vector<HandshakeStep> handshake_;
    uint64_t clientId_ = 0;  // CLIENT ID of the last connection with a journal (0: unknown)
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

    // The journal (null without one) and this database's place in it.
    WriteJournal *journal_ = nullptr;
    Position position_ = Position::Off;
    uint64_t applied_ = 0;     // last record answered (or the marker read)
    uint64_t pushed_ = 0;      // last record in the outbox (or applied_ at resume)
    uint64_t lastRecord_ = 0;  // last record in the outbox: what a batch's marker names (pushed_ may be past a run gap)
    uint64_t markerSent_ = 0;  // last record a marker in the outbox or written names
    uint64_t replayedAtResume_ = 0;
    uint64_t startMarker_ = 0; // the marker at the first connection of this run
    bool startMarkerKnown_ = false;
    bool resyncing_ = false;
    bool hasAppliedWrites_ = false;
    bool markerPresent_ = false;  // read by the handshake
    uint64_t marker_ = 0;
    std::unique_ptr<JournalReader> reader_;  // Replaying: where the next record comes from
    std::string queueError_;   // the first error inside the entry being answered
};

}  // namespace dbsync
