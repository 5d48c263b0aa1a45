#include "server.hpp"

#include <unistd.h>

#include "client_conn.hpp"
#include "command_table.hpp"
#include "command_table_live.hpp"
#include "conn_stream.hpp"
#include "fanout.hpp"
#include "info_render.hpp"
#include "log.hpp"
#include "metrics_http.hpp"
#include "metrics_render.hpp"
#include "replay_safety.hpp"
#include "tls_gate.hpp"

namespace dbsync {

Server::Server(EventLoop &loop, const Options &opts)
    : loop_(loop), opts_(opts), listener_(*this), clientMemory_(opts.maxBufferMemory), janitor_(*this) {
    stats_.startTime = time(nullptr);
    stats_.divergenceLog = &divergenceLog_;
    stats_.startMs = loop.nowMs();
    DatabaseBackend::Limits limits{opts.dbTimeoutMs, opts.connectTimeoutMs, opts.reconnectMaxMs, opts.dbMaxPending,
                                   opts.dbBatchWaitMs * 1000, opts.dbMaxReplyBytes, opts.commandTableFromDatabases};
    for (const auto &spec : opts.databases)
        databases_.push_back(std::make_unique<DatabaseBackend>(loop, spec, limits));
    loop_.setBeforeSleep([this] { beforeSleep(); });
}

Server::~Server() {
    for (ClientConn *c : clients_) delete c;
}

bool Server::start(std::string &error) {
    if (!opts_.pubkeys.empty()) {
        tls_ = std::make_unique<TlsGate>(*this);
        if (!tls_->configure(error)) {
            error = "cannot enable TLS: " + error;
            return false;
        }
    }
    if (!openJournal(error)) return false;
    if (!listener_.start(opts_.listen, error)) return false;
    if (opts_.metrics) {
        MetricsHttp::Limits limits;
        limits.maxClients = opts_.metricsMaxClients;
        metrics_ = std::make_unique<MetricsHttp>(loop_, limits, [this] { return renderMetrics(*this); });
        if (!metrics_->start(opts_.metricsListen, error)) return false;
        LOG_NOTICE("metrics at http://%s/metrics", opts_.metricsListen.display().c_str());
    }
    for (auto &db : databases_) db->start();
    janitor_.start();
    return true;
}

bool Server::openJournal(std::string &error) {
    if (opts_.journalDir.empty()) {
        LOG_NOTICE("no journal (--journal-dir DIR keeps one): a database that misses writes stays behind until "
                   "it is repaired (dbsync-check --repair)");
        return true;
    }
    WriteJournal::Config config;
    config.storage.dir = opts_.journalDir;
    config.storage.fsync = opts_.journalFsync;
    config.storage.maxRecordBytes = opts_.maxRequestBytes + 4096;  // a request, wrapped with its marker
    // Whole segments retire: several fit in the bound, so one that is
    // almost all retired does not make a database diverged.
    config.storage.segmentBytes = std::min<uint64_t>(uint64_t(16) << 20, std::max<uint64_t>(opts_.journalMaxBytes / 8, 4096));
    config.maxBytes = opts_.journalMaxBytes;
    config.maxAgeMs = opts_.journalMaxAgeS * 1000;
    config.catchupInflight = opts_.catchupInflight;
    journal_ = std::make_unique<WriteJournal>();
    if (!journal_->open(config, error)) {
        error = "journal " + opts_.journalDir + ": " + error;
        return false;
    }
    for (auto &db : databases_) db->attachJournal(*journal_, journal_->knownApplied(db->name()));
    LOG_NOTICE("journal in %s (--journal-fsync %s, marker key %s, %llu bytes kept)", opts_.journalDir.c_str(),
               journalFsyncName(opts_.journalFsync), journal_->markerKey().c_str(),
               static_cast<unsigned long long>(journal_->storage().bytes()));
    return true;
}

void Server::fanOutWrite(FanoutRequest *req, const FramedRequest &request, const CommandSpec *spec) {
    // Hold the request through the loop: a database failing fast may decide
    // it, and the reply may leave, before the last database has it.
    req->retain();
    req->describe(request.args[0], request.argc > 1 ? request.args[1] : std::string_view());
    // What can change data is journaled: writes, scripts (EVAL is not
    // flagged write), commands the table does not know. Administration
    // (CONFIG SET, BGSAVE, DEBUG: admin, not write) goes to the databases
    // up now, and is not replayed.
    bool changesData = !spec || spec->has(kCmdWrite) || !spec->has(kCmdAdmin);
    if (journal_ && changesData) {
        // A command Redis refuses inside MULTI cannot carry its marker.
        bool plain = replaysSafely(request) || (spec && spec->has(kCmdNoMulti));
        OutgoingWrite w = journal_->single(request.resp, plain, time(nullptr) * 1000ULL);
        sendToAll(req, w);
    } else {
        for (auto &db : databases_) db->send(req, request.resp);
    }
    req->release();
}

void Server::fanOutTransaction(FanoutRequest *req, const std::vector<std::string> &commands) {
    req->retain();
    req->describe("EXEC", "");
    if (journal_) {
        std::vector<std::string> inner(commands.begin() + 1, commands.end() - 1);
        OutgoingWrite w = journal_->transaction(inner, time(nullptr) * 1000ULL);
        sendToAll(req, w);
    } else {
        for (auto &db : databases_) db->sendSequence(req, commands);
    }
    req->release();
}

void Server::sendToAll(FanoutRequest *req, const OutgoingWrite &w) {
    bool taken = false;
    for (auto &db : databases_) taken = db->sendWrite(req, w) || taken;
    if (!taken && w.seq) journal_->withdraw(w.seq);
}

void Server::flushJournal() {
    // A failed write is logged (once per run of failures) and counted by
    // the journal; the writes go on per --ack, and a database that needs
    // what was lost is diverged when it looks for it (replayMore()).
    if (journal_ && journal_->storage().bufferedRecords() > 0) journal_->storage().flush();
}

void Server::tendJournal(uint64_t nowMs) {
    divergenceLog_.sweep(nowMs);
    if (!journal_) return;
    journal_->storage().syncIfDue(nowMs);
    uint64_t wallMs = time(nullptr) * 1000ULL;
    uint64_t upTo = UINT64_MAX;
    for (auto &db : databases_) {
        // A copy in progress needs every write from its start on.
        if (db->resyncing()) upTo = 0;
        if (db->diverged()) continue;
        std::string why;
        if (!db->serving() && journal_->pastBounds(db->applied(), wallMs, why)) {
            db->diverge(why);
            continue;
        }
        upTo = std::min(upTo, db->applied());
        journal_->noteDatabase(db->name(), db->appliedWrites(), false, 0);
    }
    if (upTo == UINT64_MAX) upTo = journal_->storage().head();
    journal_->retire(upTo, nowMs);
}

namespace {
const char kFull[] = "-ERR max number of clients reached (--max-clients)\r\n";
}  // namespace

bool Server::clientSlotFree() {
    // Handshakes in progress do not count: they have their own bound
    // (--max-handshakes), so unauthenticated peers cannot take the slots of
    // clients. Closed clients not yet freed do not count either.
    if (stats_.clientsConnected < opts_.maxClients) {
        if (rejectingClients_) {
            LOG_NOTICE("accepting clients again (%llu refused over --max-clients)",
                       static_cast<unsigned long long>(stats_.clientsRejected - rejectedBefore_));
            rejectingClients_ = false;
        }
        return true;
    }
    if (!rejectingClients_) {
        // Once when the bound is hit, once when it is relieved: never per client.
        LOG_WARN("--max-clients %zu reached: refusing new clients", opts_.maxClients);
        rejectingClients_ = true;
        rejectedBefore_ = stats_.clientsRejected;
    }
    stats_.clientsRejected++;
    return false;
}

void Server::accepted(int fd, std::string peer) {
    if (shuttingDown_) {
        close(fd);
        return;
    }
    if (!clientSlotFree()) {
        // The TLS port speaks TLS only: a refusal in plain text would read
        // as "this server does not speak TLS" to a TLS client.
        if (tls_) return tls_->refuse(fd);
        if (write(fd, kFull, sizeof kFull - 1) < 0) {
            // Nothing more to do for a client we are turning away.
        }
        close(fd);
        return;
    }
    if (tls_) return tls_->accept(fd, std::move(peer));  // becomes a client once authenticated
    stats_.clientsTotal++;
    stats_.clientsConnected++;
    clients_.insert(new ClientConn(*this, fd, std::move(peer)));
}

void Server::authenticated(std::unique_ptr<ConnStream> stream, std::string peer) {
    if (shuttingDown_) return;  // stream closes
    if (!clientSlotFree()) {
        // The slots filled up during the handshake: say so over TLS.
        if (stream->write(kFull, sizeof kFull - 1) < 0) {
            // Nothing more to do for a client we are turning away.
        }
        return;  // stream closes, with a close_notify
    }
    stats_.clientsTotal++;
    stats_.clientsConnected++;
    auto *client = new ClientConn(*this, std::move(stream), std::move(peer));
    clients_.insert(client);
    client->start();
}

void Server::reloadKeys() {
    if (!tls_) {
        LOG_NOTICE("SIGHUP: no --pubkey configured, nothing to reload");
        return;
    }
    std::string error;
    if (!tls_->reload(error)) LOG_ERROR("SIGHUP: keys not reloaded, the previous keys stay in force: %s", error.c_str());
}

void Server::clientClosed(ClientConn *client) {
    stats_.clientsConnected--;
    closed_.push_back(client);
}

void Server::freeClosedClients() {
    if (closed_.empty()) return;
    for (ClientConn *c : closed_) {
        clients_.erase(c);
        leaderFirst_.forget(c);
        delete c;
    }
    closed_.clear();
    // Descriptors were freed: a listener paused for want of them tries again.
    listener_.resumeAccepting();
    if (metrics_) metrics_->resumeAccepting();
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
    // Commands gathered during this iteration leave in one write per
    // database (unless held by --db-batch-wait), then replies in one write
    // per client. A failed write decides requests, which can let a paused
    // client queue more commands for databases already flushed: go round
    // until nothing is left. Shutting down, nothing is held: the loop may
    // stop at the end of this turn.
    // The journal first: no database sees a write before the journal has
    // it, so none can hold a write the journal does not.
    // A database that showed a marker of writes the journal lost makes the
    // others that lack them diverged before any of them takes a read.
    if (journal_ && journal_->aheadMarker())
        for (auto &db : databases_) db->checkAhead(journal_->aheadMarker());
    // Clients held back by a leader-first command go on once its effect is
    // on its way (leader_first.hpp).
    bool wrote = true;
    while (wrote) {
        wrote = leaderFirst_.resumeHeld();
        flushJournal();
        for (auto &db : databases_) wrote = db->flushWrites(!shuttingDown_) || wrote;
    }
    for (size_t i = 0; i < pendingFlush_.size(); i++) {
        ClientConn *c = pendingFlush_[i];
        c->flushScheduled = false;
        if (!c->closed()) c->flush();
    }
    pendingFlush_.clear();
    clientMemory_.enforce(clients_);
    // Everything closed during this turn is freed here, and only here: no
    // event of this turn is left to deliver, no callback is running, and
    // nothing is going through the clients (see server.hpp).
    freeClosedClients();
    if (tls_ && tls_->reap()) listener_.resumeAccepting();
    if (metrics_ && metrics_->reap()) metrics_->resumeAccepting();
    watchDatabases();
    if (shuttingDown_) maybeFinishShutdown();
}

void Server::mergeCommandTables() {
    uint64_t versions = 0;
    for (const auto &db : databases_) versions += db->commandsVersion;
    if (versions == routingVersions_) return;
    routingVersions_ = versions;
    // A database that gave none (not connected yet, or no COMMAND for its
    // user) counts with the built-in table.
    std::vector<const CommandTable *> tables;
    bool all = true;
    for (const auto &db : databases_) {
        tables.push_back(db->commands ? db->commands.get() : &CommandTable::builtin());
        all = all && db->commands;
    }
    routing_ = std::make_shared<const CommandTable>(dbsync::mergeCommandTables(tables));
    routingFromDatabases_ = all;
}

const char *Server::commandsSource() const {
    if (!routing_) return "dbsyncd's built-in Redis 7.0 command table";
    return routingFromDatabases_ ? "the databases' own command tables (COMMAND)"
                                 : "the databases' command tables (COMMAND) and the built-in one";
}

void Server::watchDatabases() {
    mergeCommandTables();
    // A handful of databases: comparing their states each loop turn is cheap,
    // and keeps database_backend.cpp free of reporting concerns.
    size_t n = databases_.size();
    if (dbUpSeen_.size() != n) {
        dbUpSeen_.assign(n, 2);  // neither up nor down: the first look always reports
        dbOverflowing_.assign(n, 0);
        dbOverflowsSeen_.assign(n, 0);
    }
    bool changed = false;
    for (size_t i = 0; i < n; i++) {
        const DatabaseBackend &db = *databases_[i];
        char up = db.state() == DatabaseBackend::State::Ready;
        if (up != dbUpSeen_[i]) {
            dbUpSeen_[i] = up;
            changed = true;
        }
        // --db-max-pending: logged when first hit, and when the queue has
        // drained to half, not for each command failed meanwhile.
        if (db.overflows != dbOverflowsSeen_[i] && !dbOverflowing_[i]) {
            LOG_WARN("database %s: --db-max-pending %zu reached, failing new commands for it fast", db.name().c_str(),
                     opts_.dbMaxPending);
            dbOverflowing_[i] = 1;
        } else if (dbOverflowing_[i] && db.pending() <= opts_.dbMaxPending / 2) {
            LOG_NOTICE("database %s: back under --db-max-pending (%llu commands refused)", db.name().c_str(),
                       static_cast<unsigned long long>(db.overflows - dbOverflowsSeen_[i]));
            dbOverflowing_[i] = 0;
            dbOverflowsSeen_[i] = db.overflows;
        }
        if (!dbOverflowing_[i]) dbOverflowsSeen_[i] = db.overflows;
    }
    bool tried = databasesTried();
    if (tried != dbTriedSeen_) {
        dbTriedSeen_ = tried;
        changed = true;
    }
    if (changed && dbWatcher_) dbWatcher_();
}

size_t Server::databasesUp() const {
    size_t up = 0;
    for (const auto &db : databases_) up += db->state() == DatabaseBackend::State::Ready;
    return up;
}

bool Server::databasesTried() const {
    for (const auto &db : databases_)
        if (db->state() != DatabaseBackend::State::Ready && db->lastError.empty()) return false;
    return true;
}

std::string Server::databaseSummary() const {
    std::string s = std::to_string(databasesUp()) + "/" + std::to_string(databases_.size()) + " databases up";
    std::string down;
    for (const auto &db : databases_)
        if (db->state() != DatabaseBackend::State::Ready) down += (down.empty() ? "" : ", ") + db->name();
    if (!down.empty()) s += "; not connected: " + down;
    return s;
}

void Server::beginShutdown() {
    if (shuttingDown_) return;
    shuttingDown_ = true;
    shutdownDeadlineMs_ = loop_.nowMs() + opts_.shutdownTimeoutMs;
    size_t owed = 0;
    for (auto &db : databases_) {
        owed += db->pending();
        lostAtShutdown_.push_back(db->lostWithConnection);
        unknownAtShutdown_.push_back(db->outcomeUnknown);
    }
    LOG_NOTICE("shutting down: %llu clients, %zu commands owed to databases; waiting up to %llu ms "
               "(--shutdown-timeout)",
               static_cast<unsigned long long>(stats_.clientsConnected), owed,
               static_cast<unsigned long long>(opts_.shutdownTimeoutMs));
    listener_.stop();
    if (metrics_) metrics_->stop();
    if (tls_) tls_->closeAll();
    // Closing is deferred (see server.hpp): finishAndClose() only marks.
    for (ClientConn *c : clients_) c->finishAndClose();
}

void Server::shutdownTimedOut() { finishShutdown(true); }

void Server::maybeFinishShutdown() {
    // With --ack one or quorum a client can be answered long before a
    // slower database has taken the same write: wait for the databases
    // too, or the copies differ after a restart.
    // With a journal, what a database that is not Live is owed stays in
    // the journal for the next start.
    if (!clients_.empty()) return;
    for (auto &db : databases_)
        if (db->pending() > 0 && (!journal_ || db->serving())) return;
    finishShutdown(false);
}

void Server::finishShutdown(bool timedOut) {
    if (shutdownFinished_) return;
    shutdownFinished_ = true;
    if (timedOut && stats_.clientsConnected)
        LOG_WARN("shutdown timeout: closing %llu clients with requests in flight",
                 static_cast<unsigned long long>(stats_.clientsConnected));
    // What a database did not take is logged with its count, and makes the
    // exit status non-zero: the copies may now differ (docs/operations.md, "Signals").
    uint64_t gaveUp = 0;
    for (size_t i = 0; i < databases_.size(); i++) {
        const DatabaseBackend &db = *databases_[i];
        uint64_t lost = db.lostWithConnection - lostAtShutdown_[i];
        if (lost > 0) {
            LOG_WARN("shutdown: database %s: lost %llu commands while waiting for it (%llu written, outcome unknown)",
                     db.name().c_str(), static_cast<unsigned long long>(lost),
                     static_cast<unsigned long long>(db.outcomeUnknown - unknownAtShutdown_[i]));
        }
        size_t written = db.requestsAwaitingReply(), unwritten = db.requestsUnwritten();
        if (written + unwritten > 0) {
            LOG_WARN("shutdown: database %s: gave up %zu commands at --shutdown-timeout (%zu written, outcome "
                     "unknown; %zu never sent)",
                     db.name().c_str(), written + unwritten, written, unwritten);
        }
        gaveUp += lost + written + unwritten;
    }
    if (journal_) {
        flushJournal();
        tendJournal(loop_.nowMs());
        std::string error;
        if (!journal_->saveState(error)) LOG_ERROR("journal: cannot save its state: %s", error.c_str());
        if (gaveUp > 0)
            LOG_NOTICE("shutdown: the journal keeps the %llu commands given up; the databases get them at the "
                       "next start", static_cast<unsigned long long>(gaveUp));
        gaveUp = 0;
    }
    if (gaveUp > 0) {
        LOG_WARN("shutdown: gave up %llu commands owed to databases (exit status %d)",
                 static_cast<unsigned long long>(gaveUp), kExitGaveUpWrites);
        exitStatus_ = kExitGaveUpWrites;
    }
    loop_.stop();
}

std::string Server::infoText() const { return renderInfo(*this); }

}  // namespace dbsync
