#include "client/connection.hpp"

#include "common/log.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/un.h>
#include <unistd.h>

namespace dbsync {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

int openSocket(int family) {
    int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && family != AF_UNIX) {
        // Commands are small and latency-bound: do not wait for Nagle.
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

}  // namespace

ClientConnection::ClientConnection(Address address)
    : address_(std::move(address)), name_(address_.display()) {}

ClientConnection::~ClientConnection() { close(); }

void ClientConnection::close() {
    if (state_ != State::Closed) DBSYNC_TRACE("dbsync client: %s: closing connection", name_.c_str());
    stream_.reset();
    if (connectingFd_ >= 0) ::close(connectingFd_);
    connectingFd_ = -1;
    state_ = State::Closed;
    reader_.reset();
    out_.clear();
    outOff_ = 0;
    owed_ = 0;
    writeWants_ = handshakeWants_ = 0;
    addrs_.clear();
    addrIndex_ = 0;
}

// --- addresses and connecting ---------------------------------------------

bool ClientConnection::resolve(std::string &error) {
    addrs_.clear();
    addrIndex_ = 0;
    if (address_.kind == Address::Kind::Unix) {
        SockAddr sa{};
        auto *un = reinterpret_cast<sockaddr_un *>(&sa.addr);
        un->sun_family = AF_UNIX;
        if (address_.path.size() >= sizeof un->sun_path) {
            error = "unix socket path too long";
            return false;
        }
        std::memcpy(un->sun_path, address_.path.c_str(), address_.path.size() + 1);
        sa.len = sizeof(sockaddr_un);
        addrs_.push_back(sa);
        return true;
    }
    // getaddrinfo() blocks: for numeric addresses and /etc/hosts names it
    // returns at once, but a DNS lookup is not bounded by dbsync.timeout.
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo *res = nullptr;
    std::string port = std::to_string(address_.port);
    int rc = ::getaddrinfo(address_.host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) {
        error = std::string("cannot resolve host: ") + gai_strerror(rc);
        return false;
    }
    for (addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
        SockAddr sa{};
        std::memcpy(&sa.addr, ai->ai_addr, ai->ai_addrlen);
        sa.len = ai->ai_addrlen;
        addrs_.push_back(sa);
    }
    ::freeaddrinfo(res);
    if (addrs_.empty()) {
        error = "host has no usable address";
        return false;
    }
    return true;
}

void ClientConnection::startConnect() {
    std::string err;
    pid_ = ::getpid();
    connectDeadline_ = deadline_;
    if (!resolve(err)) {
        fail(err);
        return;
    }
    lastConnectError_.clear();
    addrIndex_ = 0;
    tryNextAddress("");
}

// Tries the addresses of a host in order until one connects or starts
// connecting; `why` is the failure of the previous one.
void ClientConnection::tryNextAddress(const std::string &why) {
    if (!why.empty()) lastConnectError_ = why;
    while (addrIndex_ < addrs_.size()) {
        const SockAddr &sa = addrs_[addrIndex_++];
        int fd = openSocket(sa.addr.ss_family);
        if (fd < 0) {
            lastConnectError_ = std::string("socket: ") + std::strerror(errno);
            continue;
        }
        int rc;
        do {
            rc = ::connect(fd, reinterpret_cast<const sockaddr *>(&sa.addr), sa.len);
        } while (rc < 0 && errno == EINTR);
        if (rc == 0) {
            connectingFd_ = fd;
            connected();
            return;
        }
        if (errno == EINPROGRESS) {
            connectingFd_ = fd;
            state_ = State::Connecting;
            DBSYNC_TRACE("dbsync client: %s: connecting", name_.c_str());
            return;
        }
        lastConnectError_ = std::string("connect: ") + std::strerror(errno);
        ::close(fd);
    }
    fail(lastConnectError_.empty() ? "cannot connect" : lastConnectError_);
}

void ClientConnection::connected() {
    std::string err;
    int fd = connectingFd_;
    connectingFd_ = -1;
    stream_ = makeClientStream(fd, config_, err);  // owns fd from here on, also on failure
    if (!stream_) {
        fail(err);
        return;
    }
    state_ = State::Handshaking;
    handshake();
}

void ClientConnection::handshake() {
    std::string err;
    switch (stream_->handshake(err)) {
    case IoStatus::Done:
        state_ = State::Open;
        DBSYNC_TRACE("dbsync client: %s: connected", name_.c_str());
        flush();
        return;
    case IoStatus::WantRead: handshakeWants_ = POLLIN; return;
    case IoStatus::WantWrite: handshakeWants_ = POLLOUT; return;
    case IoStatus::Closed: fail("connection closed during the TLS handshake"); return;
    case IoStatus::Error: fail("TLS handshake failed: " + err); return;
    }
}

// --- one call ---------------------------------------------------------------

void ClientConnection::begin(std::string_view requests, size_t count, const StreamConfig &config,
                             Clock::time_point now, Clock::time_point deadline) {
    outcome_ = Outcome::Pending;
    expected_ = count;
    replies_.clear();
    replies_.reserve(count);
    error_.clear();
    retried_ = false;
    started_ = finishedAt_ = now;
    deadline_ = deadline;

    // A forked child must not share its parent's sockets (replies would be
    // read by whichever process asks first). Forget them; close() only drops
    // this process's descriptor.
    if (state_ != State::Closed && pid_ != ::getpid()) close();
    if (state_ != State::Closed && !(config == config_)) close();
    config_ = config;

    if (state_ == State::Open) {
        drainAvailable();
        if (state_ == State::Open && owed_ > 0 && now - owedSince_ > deadline - now) {
            LOG_INFO("dbsync client: %s: %zu reply(ies) overdue, reconnecting", name_.c_str(), owed_);
            close();
        }
        if (state_ == State::Open && owed_ == 0 && outOff_ == out_.size() &&
            stream_->peek() != ClientStream::Peek::Idle) {
            DBSYNC_TRACE("dbsync client: %s: idle connection was closed by the server", name_.c_str());
            close();
        }
    } else if (state_ != State::Closed && now > connectDeadline_) {
        close();
    }

    reused_ = state_ != State::Closed;
    queuedBefore_ = out_.size() - outOff_;
    sentThisCall_ = 0;
    out_.append(requests.data(), requests.size());
    awaiting_ = true;

    if (state_ == State::Closed) {
        startConnect();
    } else if (state_ == State::Open) {
        flush();
    }
}

short ClientConnection::pollEvents() const {
    switch (state_) {
    case State::Closed: return 0;
    case State::Connecting: return POLLOUT;
    case State::Handshaking: return handshakeWants_;
    case State::Open: break;
    }
    short ev = 0;
    if (outOff_ < out_.size()) ev |= writeWants_ ? writeWants_ : POLLOUT;
    if (awaiting_ || owed_ > 0) ev |= POLLIN;
    return ev;
}

bool ClientConnection::hasBufferedInput() const {
    return state_ == State::Open && stream_ && stream_->hasBufferedInput();
}

void ClientConnection::onReady(short revents) {
    switch (state_) {
    case State::Closed: return;
    case State::Connecting: {
        if (!revents) return;
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(connectingFd_, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
        if (err == 0) {
            connected();
        } else {
            ::close(connectingFd_);
            connectingFd_ = -1;
            tryNextAddress(std::string("connect: ") + std::strerror(err));
        }
        return;
    }
    case State::Handshaking: handshake(); return;
    case State::Open: break;
    }
    if (outOff_ < out_.size()) flush();
    if (state_ == State::Open && ((revents & (POLLIN | POLLHUP | POLLERR)) != 0 || hasBufferedInput()))
        readSome();
}

void ClientConnection::flush() {
    while (state_ == State::Open && outOff_ < out_.size()) {
        size_t sent = 0;
        std::string err;
        IoStatus st = stream_->write(out_.data() + outOff_, out_.size() - outOff_, sent, err);
        if (st == IoStatus::Done) {
            outOff_ += sent;
            sentThisCall_ += sent;
            writeWants_ = 0;
            continue;
        }
        if (st == IoStatus::WantWrite || st == IoStatus::WantRead) {
            writeWants_ = st == IoStatus::WantWrite ? POLLOUT : POLLIN;
            break;
        }
        if (st == IoStatus::Error && stream_->rejected()) {
            fail(err);  // refused at the handshake: nothing was processed, nothing to retry
            return;
        }
        ioFailed(st == IoStatus::Closed ? "connection closed by server" : "write failed: " + err);
        return;
    }
    if (outOff_ == out_.size()) {
        out_.clear();
        outOff_ = 0;
    } else if (outOff_ > (1u << 20) && outOff_ > out_.size() / 2) {
        out_.erase(0, outOff_);  // keep a large partly-sent buffer from growing
        outOff_ = 0;
    }
}

void ClientConnection::readSome() {
    char buf[kReadChunk];
    while (state_ == State::Open) {
        size_t got = 0;
        std::string err;
        IoStatus st = stream_->read(buf, sizeof buf, got, err);
        if (st == IoStatus::WantRead || st == IoStatus::WantWrite) return;
        if (st == IoStatus::Closed) {
            ioFailed("connection closed by server");
            return;
        }
        if (st == IoStatus::Error) {
            if (stream_->rejected())
                fail(err);  // refused at the handshake: nothing was processed, nothing to retry
            else
                ioFailed("read failed: " + err);
            return;
        }
        if (!reader_.feed(buf, got)) {
            fail(reader_.error());
            return;
        }
        Reply r;
        for (;;) {
            ReplyReader::Result res = reader_.next(r);
            if (res == ReplyReader::Result::NeedMore) break;
            if (res == ReplyReader::Result::Error) {
                fail(reader_.error());
                return;
            }
            if (owed_ > 0) {
                // A late reply to an earlier call: read, drop, move on.
                owed_--;
                DBSYNC_TRACE("dbsync client: %s: dropped a late reply, %zu still owed", name_.c_str(), owed_);
                if (owed_ > 0) owedSince_ = Clock::now();
                continue;
            }
            if (!awaiting_) {
                fail("unexpected reply from server");
                return;
            }
            if (replies_.size() + 1 == expected_ && reader_.hasBufferedInput()) {
                // The last request in flight has its reply, yet more bytes
                // follow it (two replies in one read, or a second SUBSCRIBE
                // confirmation): which one answers which request cannot be
                // told, and kept they would answer the next call.
                replies_.clear();
                fail("server sent a reply that was not asked for; connection closed");
                return;
            }
            replies_.push_back(std::move(r));
            if (replies_.size() < expected_) continue;
            awaiting_ = false;
            DBSYNC_TRACE("dbsync client: %s: %zu reply(ies) received", name_.c_str(), replies_.size());
            setOutcome(Outcome::Replied);
            return;
        }
        if (got < sizeof buf) return;  // socket drained; poll again
    }
}

// Before reuse: read whatever the server already sent (late replies to
// drop). EOF or unsolicited data means the connection cannot be trusted.
void ClientConnection::drainAvailable() {
    char buf[kReadChunk];
    while (state_ == State::Open && (owed_ > 0 || hasBufferedInput())) {
        size_t got = 0;
        std::string err;
        IoStatus st = stream_->read(buf, sizeof buf, got, err);
        if (st == IoStatus::WantRead || st == IoStatus::WantWrite) return;
        if (st != IoStatus::Done || !reader_.feed(buf, got)) {
            close();
            return;
        }
        Reply r;
        for (;;) {
            ReplyReader::Result res = reader_.next(r);
            if (res == ReplyReader::Result::NeedMore) break;
            if (res == ReplyReader::Result::Error || owed_ == 0) {
                close();
                return;
            }
            owed_--;
        }
        if (owed_ == 0 && reader_.hasBufferedInput()) {
            close();  // the start of a reply after every owed one: nobody asked for it
            return;
        }
    }
}

void ClientConnection::ioFailed(const std::string &why) {
    if (awaiting_ && reused_ && !retried_ && !currentRequestTouched()) {
        // Not one byte of this request left us: the server cannot have seen
        // it, so a fresh connection may carry it. Earlier requests still
        // queued or owed are lost with the old connection.
        size_t ourStart = outOff_ + (queuedBefore_ - sentThisCall_);
        std::string request = out_.substr(ourStart);
        DBSYNC_TRACE("dbsync client: %s: reused connection failed before sending (%s), reconnecting",
                     name_.c_str(), why.c_str());
        close();
        retried_ = true;
        reused_ = false;
        out_ = std::move(request);
        queuedBefore_ = 0;
        sentThisCall_ = 0;
        startConnect();
        return;
    }
    if (awaiting_ && currentRequestTouched())
        fail(why + (expected_ > 1 ? " (the commands not answered may have reached the server; not resent)"
                                  : " (the command may have reached the server; not resent)"));
    else
        fail(why);
}

void ClientConnection::fail(const std::string &why) {
    DBSYNC_TRACE("dbsync client: %s: %s", name_.c_str(), why.c_str());
    bool wasAwaiting = awaiting_;
    close();
    awaiting_ = false;
    if (wasAwaiting && outcome_ == Outcome::Pending) {
        error_ = why;
        setOutcome(Outcome::Failed);
    }
}

void ClientConnection::setOutcome(Outcome o) {
    outcome_ = o;
    finishedAt_ = Clock::now();
}

void ClientConnection::end(bool deadlinePassed, int timeoutMs) {
    if (outcome_ != Outcome::Pending) return;
    finishedAt_ = Clock::now();
    if (deadlinePassed) {
        // No answer within the whole timeout: treat the server as stalled
        // rather than queueing more requests behind the missing reply.
        error_ = state_ == State::Open          ? "no reply within " + std::to_string(timeoutMs) + " ms"
                 : state_ == State::Handshaking ? "TLS handshake not completed within " + std::to_string(timeoutMs) + " ms"
                                                : "connect timed out after " + std::to_string(timeoutMs) + " ms";
        awaiting_ = false;
        close();
        outcome_ = Outcome::Failed;
        return;
    }
    // The call was satisfied elsewhere; the replies still to come will be
    // read and dropped before the connection hands out another one.
    awaiting_ = false;
    if (owed_ == 0) owedSince_ = started_;
    owed_ += expected_ - replies_.size();
}

}  // namespace dbsync
