#include "client_conn.hpp"

#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "command_policy.hpp"
#include "command_rewrite.hpp"
#include "resync_command.hpp"
#include "command_report.hpp"
#include "command_table.hpp"
#include "database_backend.hpp"
#include "fanout.hpp"
#include "leader_first.hpp"
#include "log.hpp"
#include "resp_writer.hpp"
#include "server.hpp"

namespace dbsync {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Buffers above this are released when a client goes idle.
constexpr size_t kIdleBufferKeep = 16 * 1024;

#ifdef DBSYNC_DEBUG
std::string printable(std::string_view bytes) {
    std::string s;
    for (char c : bytes.substr(0, 256)) {
        if (c == '\r') s += "\\r";
        else if (c == '\n') s += "\\n";
        else if (c >= 32 && c < 127) s += c;
        else {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
            s += hex;
        }
    }
    if (bytes.size() > 256) s += "...";
    return s;
}
#endif

}  // namespace

ClientConn::ClientConn(Server &server, int fd, std::string peer)
    : ClientConn(server, std::make_unique<ConnStream>(fd), std::move(peer)) {}

ClientConn::ClientConn(Server &server, std::unique_ptr<ConnStream> stream, std::string peer)
    : server_(server), stream_(std::move(stream)), fd_(stream_->fd()), peer_(std::move(peer)),
      framer_(FramerLimits{server.options().maxRequestBytes, server.options().maxInlineBytes,
                           static_cast<long long>(server.options().maxRequestArgs), server.options().maxBulkBytes}) {
    interest_ = EPOLLIN;
    server_.loop().add(fd_, interest_, this);
}

ClientConn::~ClientConn() {
    // Requests in flight keep running against the databases; nobody waits for them.
    for (FanoutRequest *req : queue_) {
        req->detachClient();
        req->release();
    }
    // stream_ closes the socket.
}

void ClientConn::close(const char *why) {
    if (fd_ < 0) return;
    if (why) LOG_INFO("client %s closed: %s", peer_.c_str(), why);
    // No more events, reads or writes; the socket, the requests and the
    // memory go in the server's one place for that, before the loop sleeps.
    server_.loop().remove(fd_);
    fd_ = -1;
    trackMemory();
    server_.clientClosed(this);
}

void ClientConn::onIo(uint32_t events) {
    if (fd_ < 0) return;
    if (events & EPOLLOUT) flush();
    if (fd_ >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) readInput();
    // TLS only: a write that waits for input, a read that waits for output.
    if (fd_ >= 0 && (events & EPOLLIN) && stream_->writeWaitsForInput()) flush();
    if (fd_ >= 0 && (events & EPOLLOUT) && stream_->readWaitsForOutput()) readInput();
    trackMemory();
}

void ClientConn::start() {
    if (fd_ >= 0 && stream_->hasBufferedInput()) readInput();
    trackMemory();
}

void ClientConn::trackMemory() {
    size_t now = fd_ < 0 ? 0 : bufferedBytes();
    if (now == trackedBytes_) return;
    server_.clientMemory().change(trackedBytes_, now);
    trackedBytes_ = now;
}

void ClientConn::readInput() {
    activeSinceSweep_ = true;
    if (stopReading_) {
        // After QUIT, -c or a protocol error: whatever else comes is dropped.
        ssize_t n = stream_->read(server_.readScratch(kReadChunk), kReadChunk);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) close(nullptr);
        return;
    }
    if (readPaused_ || heldForLeader_) {
        // Only hang-ups wake us here; notice a client that went away.
        char probe;
        ssize_t n = recv(fd_, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) close(nullptr);
        return;
    }
    ssize_t n;
    if (in_.empty()) {
        // Common case: no leftover. Read into the loop-wide scratch buffer and
        // keep only a partial tail, so idle clients own no input memory.
        char *scratch = server_.readScratch(kReadChunk + 1);
        n = stream_->read(scratch, kReadChunk);
        if (n > 0) {
            scratch[n] = '\0';  // see ByteBuffer::terminate()
            size_t used = process(std::string_view(scratch, static_cast<size_t>(n)));
            if (fd_ >= 0 && used < static_cast<size_t>(n)) {
                in_.append(std::string_view(scratch + used, n - used));
                in_.terminate();
            }
        }
    } else {
        char *space = in_.prepare(kReadChunk);
        n = stream_->read(space, kReadChunk);
        if (n > 0) {
            in_.commit(static_cast<size_t>(n));
            in_.terminate();
            size_t used = process(in_.view());
            if (fd_ >= 0) in_.consume(used);
        }
    }
    if (n == 0) return close(nullptr);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            if (stream_->readWaitsForOutput()) updateInterest();
            return;
        }
        return close(stream_->lastError().empty() ? std::strerror(errno) : stream_->lastError().c_str());
    }
    if (fd_ >= 0 && in_.empty()) in_.shrinkIfIdle(kIdleBufferKeep);
    // Decrypted input held inside OpenSSL: epoll will not report it.
    if (fd_ >= 0 && !readPaused_ && !heldForLeader_ && !stopReading_ && stream_->hasBufferedInput()) readInput();
}

size_t ClientConn::process(std::string_view input) {
    size_t pos = 0;
    FramedRequest &req = server_.scratchRequest();
    const size_t maxInflight = server_.options().clientMaxInflight;
    while (fd_ >= 0 && !stopReading_) {
        if (queue_.size() >= maxInflight) {
            // Backpressure: stop reading until the databases catch up.
            readPaused_ = true;
            updateInterest();
            break;
        }
        RequestFramer::Result r = framer_.next(input.substr(pos), req);
        if (r == RequestFramer::Result::NeedMore) {
            pos += req.consumed;
            break;
        }
        if (r == RequestFramer::Result::Error) {
            server_.stats().protocolErrors++;
            LOG_INFO("client %s: %s", peer_.c_str(), framer_.error().c_str());
            std::string err;
            resp::appendError(err, "ERR " + framer_.error());
            reply(err);
            finishAndClose();
            return input.size();
        }
        if (waitsForLeader(req)) {
            // Each database gets the writes in one order: this command
            // waits, unconsumed, until the leader-first one's effect is on
            // its way; framed again then.
            if (!heldForLeader_) {
                heldForLeader_ = true;
                server_.leaderFirst().hold(this);
                updateInterest();
            }
            break;
        }
        pos += req.consumed;
        DBSYNC_TRACE("client %s request: %s", peer_.c_str(), printable(req.resp).c_str());
        handle(req);
    }
    bool partial = pos < input.size() && !readPaused_ && !heldForLeader_ && !stopReading_;
    if (!partial) partialSinceMs_ = 0;
    else if (partialSinceMs_ == 0) partialSinceMs_ = server_.loop().nowMs();
    return pos;
}

void ClientConn::handle(FramedRequest &req) {
    CommandClass cls = classifyCommand(req);
    if (refusedLikeRedis(req, cls.kind)) {
        if (server_.options().closeAfterReply) finishAndClose();
        return;
    }
    // Relative expiry leaves as absolute, one timestamp for every database;
    // req.resp points into `rewritten` until this returns.
    std::string rewritten;
    if (cls.kind == CommandKind::Forward && rewriteForFanout(req, rewritten)) {
        req.resp = rewritten;
        server_.stats().rewritten++;
    }
    if (inMulti_ && (cls.kind == CommandKind::Forward || cls.kind == CommandKind::Ping ||
                     cls.kind == CommandKind::Blocking || cls.kind == CommandKind::Control)) {
        if (multiBytes_ + req.resp.size() > server_.options().maxRequestBytes) {
            multiDirty_ = true;
            reply("-ERR transaction exceeds --max-request-bytes\r\n");
            return;
        }
        multiBytes_ += req.resp.size();
        multi_.emplace_back(req.resp);
        if (leaderFirstCommand(req) != LeaderCommand::None) multiLeaderFirst_ = true;
        reply("+QUEUED\r\n");
        return;
    }
    switch (cls.kind) {
    case CommandKind::Forward: {
        const CommandSpec *spec = server_.commands().lookup(req);
        bool read = isRead(spec) || isReadOnlyScript(req);
        if (!read) {
            forwardWrite(req, spec);
        } else if (server_.options().readFrom == ReadFrom::All || !forwardRead(req.resp, isCursorRead(spec))) {
            forward(req.resp, read);
        }
        break;
    }
    case CommandKind::Control: control(req.resp); break;
    case CommandKind::Ping:
        if (req.argc == 1) {
            reply("+PONG\r\n");
        } else if (req.argc == 2) {
            std::string r;
            resp::appendBulk(r, req.args[1]);
            reply(r);
        } else {
            reply("-ERR wrong number of arguments for 'ping' command\r\n");
        }
        break;
    case CommandKind::Quit:
        reply("+OK\r\n");
        finishAndClose();
        break;
    case CommandKind::Dbsync:
        if (req.argc >= 2 && argEquals(req.args[1], "INFO")) {
            std::string r;
            resp::appendBulk(r, server_.infoText());
            reply(r);
        } else if (req.argc >= 2 && argEquals(req.args[1], "COMMANDS")) {
            reply(commandRoutingReply(req, server_.options().readFrom, server_.commands(), server_.commandsSource()));
        } else if (req.argc >= 2 && argEquals(req.args[1], "RESYNC")) {
            std::vector<std::string> args;
            size_t i = 0;
            forEachArgument(req.resp, [&](std::string_view a) {
                if (i++ >= 2) args.emplace_back(a);
                return true;
            });
            reply(resyncCommand(server_, args));
        } else {
            reply("-ERR unknown DBSYNC subcommand; try DBSYNC INFO, DBSYNC COMMANDS name... or DBSYNC RESYNC dbN "
                  "BEGIN|END|ABORT\r\n");
        }
        break;
    case CommandKind::Multi:
    case CommandKind::Exec:
    case CommandKind::Discard: handleMulti(req, static_cast<int>(cls.kind)); break;
    case CommandKind::Blocking:
    case CommandKind::Rejected: {
        server_.stats().rejected++;
        if (inMulti_) multiDirty_ = true;
        std::string name(req.args[0]);
        for (char &c : name)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        std::string r;
        resp::appendError(r, "ERR " + name + " is not supported through dbsyncd: " + cls.why);
        reply(r);
        break;
    }
    }
    if (server_.options().closeAfterReply) finishAndClose();
}

bool ClientConn::waitsForLeader(const FramedRequest &req) const {
    const LeaderFirst &leader = server_.leaderFirst();
    if (!leader.holding()) return false;
    // Inside MULTI commands are only queued here; EXEC sends them.
    CommandKind kind = classifyCommand(req).kind;
    if (inMulti_) return kind == CommandKind::Exec;
    if (kind != CommandKind::Forward && kind != CommandKind::Control) return false;
    if (kind != CommandKind::Forward) return true;
    LeaderCommand which = leaderFirstCommand(req);
    return which == LeaderCommand::None || !leader.mayJoin(which);
}

bool ClientConn::refusedLikeRedis(const FramedRequest &req, CommandKind kind) {
    // Redis checks that a command exists, that its argument count fits and,
    // inside MULTI, that it may be queued (SAVE, SHUTDOWN may not) before it
    // queues the command, and answers at once; so does dbsyncd, for those
    // and for the transaction commands it answers itself. Outside MULTI the
    // databases give these errors themselves.
    bool transactionCommand = kind == CommandKind::Multi || kind == CommandKind::Exec || kind == CommandKind::Discard;
    if (!transactionCommand && (!inMulti_ || kind == CommandKind::Dbsync)) return false;
    const CommandSpec *spec = nullptr;
    std::string error = server_.commands().check(req, &spec);
    if (error.empty() && inMulti_ && spec->has(kCmdNoMulti)) error = "ERR Command not allowed inside a transaction";
    if (error.empty()) return false;
    std::string r;
    if (kind == CommandKind::Exec) {
        // As Redis: a malformed EXEC ends the transaction.
        inMulti_ = false;
        multi_.clear();
        resp::appendError(r, "EXECABORT Transaction discarded because of: " + error.substr(error.find(' ') + 1));
    } else {
        // The transaction stays open, and EXEC will answer EXECABORT.
        if (inMulti_) multiDirty_ = true;
        resp::appendError(r, error);
    }
    reply(r);
    return true;
}

void ClientConn::handleMulti(FramedRequest &req, int kind) {
    (void)req;
    if (kind == static_cast<int>(CommandKind::Multi)) {
        if (inMulti_) return reply("-ERR MULTI calls can not be nested\r\n");
        inMulti_ = true;
        multiDirty_ = false;
        multiBytes_ = 0;
        multiLeaderFirst_ = false;
        multi_.assign(1, "*1\r\n$5\r\nMULTI\r\n");
        return reply("+OK\r\n");
    }
    if (!inMulti_) {
        return reply(kind == static_cast<int>(CommandKind::Exec) ? "-ERR EXEC without MULTI\r\n"
                                                                 : "-ERR DISCARD without MULTI\r\n");
    }
    inMulti_ = false;
    if (kind == static_cast<int>(CommandKind::Discard)) {
        multi_.clear();
        multiBytes_ = 0;
        return reply("+OK\r\n");
    }
    if (multiDirty_) {
        multi_.clear();
        multiBytes_ = 0;
        return reply("-EXECABORT Transaction discarded because of previous errors.\r\n");
    }
    multi_.emplace_back("*1\r\n$4\r\nEXEC\r\n");
    // The whole transaction goes to each database back to back, so no other
    // client's command can land between MULTI and EXEC there.
    FanoutRequest *txn = server_.newRequest(this);
    queue_.push_back(txn);
    server_.stats().forwarded++;
    if (multiLeaderFirst_) server_.leaderFirst().runTransaction(txn, multi_);
    else server_.fanOutTransaction(txn, multi_);
    multi_.clear();
    multiBytes_ = 0;
}

bool ClientConn::forwardRead(std::string_view resp, bool cursor) {
    ReadRouter &router = server_.readRouter();
    DatabaseBackend *db = router.pick(cursor);
    // None is Ready (at start, or all reconnecting): the read goes to every
    // database like a write and waits in the outboxes of those connecting.
    if (!db) return false;
    // --ack is for writes: one database's answer is the read's answer.
    auto *req = new FanoutRequest(this, AckPolicy::One, 1, server_.stats());
    queue_.push_back(req);
    server_.stats().forwarded++;
    server_.stats().readsOneDatabase++;
    req->retain();
    req->sendRead(router, cursor, *db, resp);
    req->release();
    return true;
}

void ClientConn::forward(std::string_view resp, bool read) {
    FanoutRequest *req = server_.newRequest(this);
    if (read) req->markRead();
    queue_.push_back(req);
    server_.stats().forwarded++;
    // Hold the request through the loop: a database failing fast may decide
    // it, and the reply may leave, before the last database has it.
    req->retain();
    for (auto &db : server_.databases()) db->send(req, resp);
    req->release();
}

void ClientConn::forwardWrite(const FramedRequest &req, const CommandSpec *spec) {
    FanoutRequest *r = server_.newRequest(this);
    queue_.push_back(r);
    server_.stats().forwarded++;
    if (LeaderCommand which = leaderFirstCommand(req); which != LeaderCommand::None)
        server_.leaderFirst().run(r, req, which);
    else
        server_.fanOutWrite(r, req, spec);
}

void ClientConn::control(std::string_view resp) {
    FanoutRequest *req = server_.newRequest(this);
    queue_.push_back(req);
    server_.stats().forwarded++;
    req->retain();
    for (auto &db : server_.databases()) db->sendControl(req, resp);
    req->release();
}

void ClientConn::reply(std::string_view resp) {
    if (queue_.empty()) {
        DBSYNC_TRACE("client %s reply: %s", peer_.c_str(), printable(resp).c_str());
        out_.append(resp);
        server_.scheduleFlush(this);
        writeIfOverOutputBound();
    } else {
        // Behind forwarded requests: wait our turn.
        queue_.push_back(FanoutRequest::withLocalReply(this, resp, server_.stats()));
    }
}

void ClientConn::onDecided() {
    moveReadyReplies();
    trackMemory();
}

void ClientConn::moveReadyReplies() {
    if (fd_ < 0) return;  // closed, not yet freed: the replies go nowhere
    bool moved = false;
    while (!queue_.empty() && queue_.front()->decided()) {
        FanoutRequest *req = queue_.front();
        queue_.pop_front();
        DBSYNC_TRACE("client %s reply: %s", peer_.c_str(), printable(req->reply()).c_str());
        out_.append(req->reply());
        req->detachClient();
        req->release();
        moved = true;
    }
    if (moved) server_.scheduleFlush(this);
    writeIfOverOutputBound();
    if (fd_ < 0) return;
    resumeIfPossible();
}

void ClientConn::writeIfOverOutputBound() {
    // Counting before writing would close a client that reads as fast as it
    // can whenever one reply is larger than the bound. Whatever stays unread
    // after this write is the janitor's to judge.
    if (out_.size() > server_.options().clientMaxOutput) flush();
}

void ClientConn::closeForUnreadOutput() {
    server_.stats().clientOverflows++;
    LOG_WARN("client %s closed: %zu reply bytes unread (--client-max-output)", peer_.c_str(), out_.size());
    close(nullptr);
}

void ClientConn::closeOverBufferMemory(size_t totalBytes, size_t bound) {
    server_.stats().clientBufferEvictions++;
    LOG_WARN("client %s closed: %zu bytes buffered, over --max-buffer-memory %zu (%zu buffered for all clients)",
             peer_.c_str(), bufferedBytes(), bound, totalBytes);
    close(nullptr);
}

void ClientConn::resumeIfPossible() {
    if (!readPaused_ || queue_.size() >= server_.options().clientMaxInflight / 2 + 1) return;
    readPaused_ = false;
    updateInterest();
    if (!heldForLeader_) takeBufferedInput();
}

void ClientConn::resumeAfterLeader() {
    if (fd_ < 0 || !heldForLeader_) return;
    heldForLeader_ = false;
    updateInterest();
    if (!readPaused_) takeBufferedInput();
    trackMemory();
}

void ClientConn::takeBufferedInput() {
    // Requests already buffered are taken first; the loop brings new ones.
    if (!in_.empty()) {
        size_t used = process(in_.view());
        if (fd_ >= 0) in_.consume(used);
    }
    if (fd_ >= 0 && !readPaused_ && !heldForLeader_ && stream_->hasBufferedInput()) readInput();
}

void ClientConn::flush() {
    activeSinceSweep_ = true;
    while (fd_ >= 0 && !out_.empty()) {
        ssize_t n = stream_->write(out_.data(), out_.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            close(stream_->lastError().empty() ? std::strerror(errno) : stream_->lastError().c_str());
            return;
        }
        out_.consume(static_cast<size_t>(n));
        bytesWritten_ += static_cast<uint64_t>(n);
    }
    if (fd_ >= 0) {
        if (out_.empty()) out_.shrinkIfIdle(kIdleBufferKeep);
        wantWrite_ = !out_.empty();
        updateInterest();
        if (closeWhenDone_ && idle()) close(nullptr);
    }
    trackMemory();
}

void ClientConn::updateInterest() {
    if (fd_ < 0) return;
    // Keep EPOLLIN while stopped so a hang-up is still noticed.
    uint32_t want = EPOLLIN;
    if (readPaused_ || heldForLeader_) want = 0;
    if (wantWrite_) want |= stream_->writeWaitsForInput() ? EPOLLIN : EPOLLOUT;
    if (stream_->readWaitsForOutput()) want |= EPOLLOUT;
    if (want != interest_) {
        interest_ = want;
        server_.loop().set(fd_, interest_, this);
    }
}

void ClientConn::finishAndClose() {
    stopReading_ = true;
    closeWhenDone_ = true;
    partialSinceMs_ = 0;
    if (idle()) server_.scheduleFlush(this);
}

void ClientConn::releaseBuffersIfIdle() {
    if (fd_ < 0) return;
    if (!activeSinceSweep_) stream_->releaseIdleBuffers();
    activeSinceSweep_ = false;
}

void ClientConn::requestTimedOut(uint64_t limitMs) {
    if (fd_ < 0) return;
    server_.stats().clientTimeouts++;
    LOG_INFO("client %s: request not completed within %llu ms", peer_.c_str(), static_cast<unsigned long long>(limitMs));
    std::string r;
    resp::appendError(r, "ERR request not completed within " + std::to_string(limitMs) + " ms (--client-timeout)");
    reply(r);
    finishAndClose();
    trackMemory();
}

}  // namespace dbsync
