#include "server.hpp"

#include <unistd.h>

#include "client_conn.hpp"
#include "fanout.hpp"
#include "log.hpp"
#include "version.hpp"

namespace dbsync {
namespace {

// Timeouts are checked this often: their precision.
constexpr uint64_t kJanitorMs = 100;

}  // namespace

Server::Server(EventLoop &loop, const Options &opts) : loop_(loop), opts_(opts), listener_(*this) {
    stats_.startTime = time(nullptr);
    stats_.startMs = loop.nowMs();
    DatabaseBackend::Limits limits{opts.dbTimeoutMs, opts.connectTimeoutMs, opts.reconnectMaxMs, opts.dbMaxPending};
    for (const auto &spec : opts.databases)
        databases_.push_back(std::make_unique<DatabaseBackend>(loop, spec, limits));
    loop_.setBeforeSleep([this] { beforeSleep(); });
}

Server::~Server() {
    for (ClientConn *c : clients_) delete c;
    for (ClientConn *c : graveyard_) delete c;
}

bool Server::start(std::string &error) {
    if (!listener_.start(opts_.listen, error)) return false;
    for (auto &db : databases_) db->start();
    loop_.addTimer(kJanitorMs, [this] { janitor(); });
    return true;
}

void Server::accepted(int fd, std::string peer) {
    if (shuttingDown_ || clients_.size() >= opts_.maxClients) {
        stats_.clientsRejected++;
        static const char kFull[] = "-ERR max number of clients reached (--max-clients)\r\n";
        if (write(fd, kFull, sizeof kFull - 1) < 0) {
            // Nothing more to do for a client we are turning away.
        }
        close(fd);
        return;
    }
    stats_.clientsTotal++;
    stats_.clientsConnected++;
    clients_.insert(new ClientConn(*this, fd, std::move(peer)));
}

void Server::clientClosed(ClientConn *client) {
    if (clients_.erase(client)) {
        stats_.clientsConnected--;
        graveyard_.push_back(client);
    }
}

void Server::scheduleFlush(ClientConn *client) {
    if (client->flushScheduled || client->closed()) return;
    client->flushScheduled = true;
    pendingFlush_.push_back(client);
}

FanoutRequest *Server::newRequest(ClientConn *client) {
    return new FanoutRequest(client, opts_.ack, databases_.size(), stats_);
}

char *Server::readScratch(size_t n) {
    if (scratchSize_ < n) {
        scratch_.reset(new char[n]);
        scratchSize_ = n;
    }
    return scratch_.get();
}

void Server::beforeSleep() {
    // Replies gathered during this iteration leave in one write per client.
    for (size_t i = 0; i < pendingFlush_.size(); i++) {
        ClientConn *c = pendingFlush_[i];
        c->flushScheduled = false;
        if (!c->closed()) c->flush();
    }
    pendingFlush_.clear();
    for (ClientConn *c : graveyard_) delete c;
    graveyard_.clear();
    if (shuttingDown_) maybeFinishShutdown();
}

void Server::janitor() {
    uint64_t now = loop_.nowMs();
    for (auto &db : databases_) db->checkTimeouts(now);
    for (ClientConn *c : clients_) c->checkTimeout(now);
    loop_.addTimer(kJanitorMs, [this] { janitor(); });
}

void Server::beginShutdown() {
    if (shuttingDown_) return;
    shuttingDown_ = true;
    LOG_NOTICE("shutting down: %zu clients, waiting up to %llu ms for requests in flight", clients_.size(),
               static_cast<unsigned long long>(opts_.shutdownTimeoutMs));
    listener_.stop();
    std::vector<ClientConn *> all(clients_.begin(), clients_.end());
    for (ClientConn *c : all) c->finishAndClose();
    loop_.addTimer(opts_.shutdownTimeoutMs, [this] {
        if (!clients_.empty()) LOG_WARN("shutdown timeout: closing %zu clients with requests in flight", clients_.size());
        loop_.stop();
    });
}

void Server::maybeFinishShutdown() {
    if (clients_.empty()) loop_.stop();
}

std::string Server::infoText() const {
    std::string s;
    auto line = [&s](const std::string &k, const std::string &v) { s += k + ":" + v + "\r\n"; };
    s += "# Server\r\n";
    line("version", DBSYNC_VERSION_STRING);
    line("process_id", std::to_string(getpid()));
    line("uptime_seconds", std::to_string((loop_.nowMs() - stats_.startMs) / 1000));
    line("listen", opts_.listen.display());
    line("ack", ackName(opts_.ack));
    s += "\r\n# Clients\r\n";
    line("connected_clients", std::to_string(stats_.clientsConnected));
    line("total_connections", std::to_string(stats_.clientsTotal));
    line("rejected_clients", std::to_string(stats_.clientsRejected));
    line("protocol_errors", std::to_string(stats_.protocolErrors));
    line("client_timeouts", std::to_string(stats_.clientTimeouts));
    line("client_output_overflows", std::to_string(stats_.clientOverflows));
    s += "\r\n# Stats\r\n";
    line("commands_forwarded", std::to_string(stats_.forwarded));
    line("commands_failed", std::to_string(stats_.failed));
    line("commands_rejected", std::to_string(stats_.rejected));
    line("replies_divergent", std::to_string(stats_.divergent));
    s += "\r\n# Databases\r\n";
    for (size_t i = 0; i < databases_.size(); i++) {
        const DatabaseBackend &db = *databases_[i];
        uint64_t latency = db.latencyCount ? db.latencyTotalUs / db.latencyCount : 0;
        std::string err = db.lastError;
        for (char &c : err)
            if (c == '\r' || c == '\n') c = ' ';
        line("db" + std::to_string(i), "address=" + db.name() + ",state=" + db.stateName() +
                                           ",pending=" + std::to_string(db.pending()) + ",ok=" +
                                           std::to_string(db.successes) + ",failed=" + std::to_string(db.failures) +
                                           ",reconnects=" + std::to_string(db.reconnects) + ",latency_us=" +
                                           std::to_string(latency) + ",last_error=" + err);
    }
    return s;
}

}  // namespace dbsync
