// Owns the daemon's parts and wires them: listener → clients → fan-out →
// database backends. Also the janitor (timeouts), deferred frees, batched
// writes before each loop wait, DBSYNC INFO, and graceful shutdown.
#pragma once

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "database_backend.hpp"
#include "event_loop.hpp"
#include "listener.hpp"
#include "options.hpp"
#include "request_framer.hpp"
#include "stats.hpp"

namespace dbsync {

class ClientConn;
class FanoutRequest;

class Server {
public:
    Server(EventLoop &loop, const Options &opts);
    ~Server();

    // Listens and starts connecting to the databases.
    bool start(std::string &error);
    // SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then stop the loop.
    void beginShutdown();
    bool shuttingDown() const { return shuttingDown_; }

    EventLoop &loop() { return loop_; }
    const Options &options() const { return opts_; }
    Stats &stats() { return stats_; }
    std::vector<std::unique_ptr<DatabaseBackend>> &databases() { return databases_; }
    size_t clientCount() const { return clients_.size(); }

    void accepted(int fd, std::string peer);
    void clientClosed(ClientConn *client);
    void scheduleFlush(ClientConn *client);
    FanoutRequest *newRequest(ClientConn *client);

    // Scratch space reused by every client read: idle clients own no buffer.
    char *readScratch(size_t n);
    FramedRequest &scratchRequest() { return scratchRequest_; }

    std::string infoText() const;

private:
    void beforeSleep();
    void janitor();
    void maybeFinishShutdown();

    EventLoop &loop_;
    const Options &opts_;
    Stats stats_;
    Listener listener_;
    std::vector<std::unique_ptr<DatabaseBackend>> databases_;
    std::unordered_set<ClientConn *> clients_;
    std::vector<ClientConn *> pendingFlush_;
    std::vector<ClientConn *> graveyard_;  // closed clients, freed before the next wait
    std::unique_ptr<char[]> scratch_;
    size_t scratchSize_ = 0;
    FramedRequest scratchRequest_;
    bool shuttingDown_ = false;
};

}  // namespace dbsync
