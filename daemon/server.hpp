// Owns the daemon's parts and wires them: listener → clients → fan-out →
// database backends. Also deferred frees, batched writes before each loop
// wait, DBSYNC INFO, and graceful shutdown; the janitor (janitor.cpp)
// enforces the timeouts.
//
// Closing a client, the rule: ClientConn::close() is the one way, and it
// only stops the client's I/O and queues it here (clientClosed). The
// client stays in clients_, marked closed, until freeClosedClients(), run
// from beforeSleep(), removes and frees it: the one place where a client
// leaves clients_. So nothing that goes through the clients (the janitor's
// sweep, shutdown, the memory bound) and nothing inside a database link's
// reply callback (a reply deciding a request of a client that is then
// closed) ever sees
// a client vanish under it. The same goes for TLS handshakes and metrics
// connections: marked when done, freed in beforeSleep().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "client_memory.hpp"
#include "command_table.hpp"
#include "database_backend.hpp"
#include "event_loop.hpp"
#include "janitor.hpp"
#include "leader_first.hpp"
#include "listener.hpp"
#include "log_limiter.hpp"
#include "options.hpp"
#include "read_router.hpp"
#include "request_framer.hpp"
#include "stats.hpp"
#include "write_journal.hpp"

namespace dbsync {

class ClientConn;
struct CommandSpec;
class ConnStream;
class FanoutRequest;
class MetricsHttp;
class TlsGate;

class Server {
public:
    Server(EventLoop &loop, const Options &opts);
    ~Server();

    // Listens and starts connecting to the databases.
    bool start(std::string &error);
    // SIGTERM/SIGINT: stop accepting, let in-flight requests finish and
    // every database take what it is owed (up to --shutdown-timeout), then
    // stop the loop.
    void beginShutdown();
    bool shuttingDown() const { return shuttingDown_; }
    // For main() once the loop stopped: 0, or kExitGaveUpWrites when
    // shutdown gave up commands owed to a database.
    int exitStatus() const { return exitStatus_; }
    static constexpr int kExitGaveUpWrites = 3;

    EventLoop &loop() { return loop_; }
    const EventLoop &loop() const { return loop_; }
    const Options &options() const { return opts_; }
    Stats &stats() { return stats_; }
    const Stats &stats() const { return stats_; }
    std::vector<std::unique_ptr<DatabaseBackend>> &databases() { return databases_; }
    const std::vector<std::unique_ptr<DatabaseBackend>> &databases() const { return databases_; }
    ReadRouter &readRouter() { return readRouter_; }
    LeaderFirst &leaderFirst() { return leaderFirst_; }
    // What routes commands (reads to one database, writes to all): the
    // databases' own tables merged (command_table_live.hpp), or the
    // built-in one until one was read; and which it is, for DBSYNC COMMANDS.
    const CommandTable &commands() const { return routing_ ? *routing_ : CommandTable::builtin(); }
    const char *commandsSource() const;
    // Every client not yet freed, closed ones included (ClientConn::closed()).
    const std::unordered_set<ClientConn *> &clients() const { return clients_; }
    ClientMemory &clientMemory() { return clientMemory_; }
    const ClientMemory &clientMemory() const { return clientMemory_; }
    TlsGate *tlsGate() { return tls_.get(); }
    const TlsGate *tlsGate() const { return tls_.get(); }
    MetricsHttp *metrics() { return metrics_.get(); }

    void accepted(int fd, std::string peer);
    // A connection that passed the TLS gate (--pubkey) becomes a client.
    void authenticated(std::unique_ptr<ConnStream> stream, std::string peer);
    // SIGHUP: reload the --pubkey files (and --tls-cert/--tls-key).
    void reloadKeys();
    // From ClientConn::close(): freed before the loop sleeps.
    void clientClosed(ClientConn *client);
    // The listen socket, if paused for want of descriptors, is watched again.
    void resumeAccepting() { listener_.resumeAccepting(); }
    // When --shutdown-timeout runs out (meaningful while shuttingDown()),
    // and what the janitor does then: stop waiting for requests in flight.
    uint64_t shutdownDeadlineMs() const { return shutdownDeadlineMs_; }
    void shutdownTimedOut();
    void scheduleFlush(ClientConn *client);
    FanoutRequest *newRequest(ClientConn *client);
    // A write to every database: journaled first (when there is a
    // journal), in the form that replays exactly (replay_safety.hpp).
    void fanOutWrite(FanoutRequest *req, const FramedRequest &request, const CommandSpec *spec);
    // A client's MULTI ... EXEC: `commands` from MULTI to EXEC inclusive.
    void fanOutTransaction(FanoutRequest *req, const std::vector<std::string> &commands);
    WriteJournal *journal() { return journal_.get(); }
    const WriteJournal *journal() const { return journal_.get(); }
    // From the janitor: fsync per --journal-fsync, retire what every
    // database applied, diverge a database past the bounds.
    void tendJournal(uint64_t nowMs);

    // Scratch space reused by every client read: idle clients own no buffer.
    char *readScratch(size_t n);
    FramedRequest &scratchRequest() { return scratchRequest_; }

    std::string infoText() const;

    // Database states, for systemd (READY=1, STATUS=) and the metrics. The
    // watcher runs before a loop wait whenever the set of connected
    // databases changes, or once every database has been tried.
    void setDatabaseWatcher(std::function<void()> cb) { dbWatcher_ = std::move(cb); }
    size_t databasesUp() const;
    // True once every database is up or has failed at least one attempt.
    bool databasesTried() const;
    // "2/3 databases up; down: 127.0.0.1:6380", for systemd's STATUS=.
    std::string databaseSummary() const;

private:
    void beforeSleep();
    void freeClosedClients();
    // Counts and logs a refusal over --max-clients; false if there is no room.
    bool clientSlotFree();
    void maybeFinishShutdown();
    void finishShutdown(bool timedOut);
    void watchDatabases();
    bool openJournal(std::string &error);
    // A journaled write to every database that takes it; withdrawn from
    // the journal when none did.
    void sendToAll(FanoutRequest *req, const OutgoingWrite &w);
    void flushJournal();

    EventLoop &loop_;
    const Options &opts_;
    Stats stats_;
    Listener listener_;
    std::vector<std::unique_ptr<DatabaseBackend>> databases_;
    ReadRouter readRouter_{loop_, databases_, opts_.readFrom};
    LeaderFirst leaderFirst_{*this};
    std::shared_ptr<const CommandTable> routing_;  // null: the built-in table
    uint64_t routingVersions_ = 0;                 // sum of the databases' commandsVersion it was built from
    bool routingFromDatabases_ = false;            // every database gave its table
    void mergeCommandTables();
    std::unordered_set<ClientConn *> clients_;
    std::vector<ClientConn *> pendingFlush_;
    std::vector<ClientConn *> closed_;  // closed clients, freed before the next wait
    ClientMemory clientMemory_;
    Janitor janitor_;
    std::unique_ptr<char[]> scratch_;
    size_t scratchSize_ = 0;
    FramedRequest scratchRequest_;
    bool shuttingDown_ = false;
    bool shutdownFinished_ = false;
    uint64_t shutdownDeadlineMs_ = 0;  // the janitor ends the wait here (--shutdown-timeout)
    // Per database at SIGTERM: commands lost with a connection and, of
    // those, written, so shutdown can count what it lost while it waited.
    std::vector<uint64_t> lostAtShutdown_;
    std::vector<uint64_t> unknownAtShutdown_;
    int exitStatus_ = 0;
    std::unique_ptr<TlsGate> tls_;  // set when --pubkey is given
    std::unique_ptr<MetricsHttp> metrics_;  // set when --metrics is given
    std::unique_ptr<WriteJournal> journal_;  // set when --journal-dir is given
    LogLimiter divergenceLog_{"writes answered differently", "--divergence-log-rate", opts_.divergenceLogRate};
    // watchDatabases(): what was last seen, so each change is acted on (and
    // logged) once, never once per command.
    std::function<void()> dbWatcher_;
    std::vector<char> dbUpSeen_;
    bool dbTriedSeen_ = false;
    std::vector<char> dbOverflowing_;      // --db-max-pending hit, not yet relieved
    std::vector<uint64_t> dbOverflowsSeen_;
    bool rejectingClients_ = false;        // --max-clients hit, not yet relieved
    uint64_t rejectedBefore_ = 0;          // clientsRejected when that began
};

}  // namespace dbsync
