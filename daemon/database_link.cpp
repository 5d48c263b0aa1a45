#include "database_link.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace dbsync {
namespace {

// Each read asks for at least this much room; a large reply grows the
// buffer as it arrives, so its bytes are read straight into place.
constexpr size_t kReadChunk = 64 * 1024;
// Reads per readiness event: enough to drain a burst of replies, few
// enough that one busy database cannot hold the loop.
constexpr int kReadsPerEvent = 16;
// Input kept allocated while idle (after a large reply it is given back).
constexpr size_t kIdleInputKeep = 64 * 1024;
constexpr size_t kIdleOutputKeep = 64 * 1024;

int startConnect(int fd, const sockaddr *addr, socklen_t len) {
    if (::connect(fd, addr, len) == 0) return 0;
    return errno == EINPROGRESS ? EINPROGRESS : errno;
}

}  // namespace

DatabaseLink::DatabaseLink(EventLoop &loop, Owner &owner, ReplyFramerLimits limits)
    : loop_(loop), owner_(owner), framer_(limits) {}

DatabaseLink::~DatabaseLink() { close(); }

bool DatabaseLink::open(const Address &address, std::string &why) {
    close();
    int fd = -1;
    int err = 0;
    if (address.kind == Address::Kind::Unix) {
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        if (address.path.size() >= sizeof sa.sun_path) {
            why = "unix socket path too long: " + address.path;
            return false;
        }
        std::memcpy(sa.sun_path, address.path.data(), address.path.size());
        fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            why = std::string("socket: ") + std::strerror(errno);
            return false;
        }
        err = startConnect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa);
    } else {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo *res = nullptr;
        std::string port = std::to_string(address.port);
        int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &res);
        if (rc != 0) {
            why = "cannot resolve " + address.host + ": " + gai_strerror(rc);
            return false;
        }
        // The first address that accepts a connect attempt; one that
        // refuses later is retried through the backend's reconnect.
        for (addrinfo *ai = res; ai; ai = ai->ai_next) {
            fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                err = errno;
                continue;
            }
            err = startConnect(fd, ai->ai_addr, ai->ai_addrlen);
            if (err == 0 || err == EINPROGRESS) break;
            ::close(fd);
            fd = -1;
        }
        ::freeaddrinfo(res);
        if (fd >= 0) {
            // Commands leave in batches already (flushWrites): Nagle would only delay them.
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
    }
    if (err != 0 && err != EINPROGRESS) {
        if (fd >= 0) ::close(fd);
        why = std::strerror(err);
        return false;
    }
    stream_ = std::make_unique<ConnStream>(fd);
    // Even a connect that completed at once (a unix socket) is reported
    // from the loop, when the socket shows writable: the owner learns of it
    // after open() returned, never inside it.
    connecting_ = true;
    writeArmed_ = false;
    events_ = EPOLLOUT;
    if (!loop_.add(fd, events_, this)) {
        stream_.reset();
        why = "cannot watch the connection";
        return false;
    }
    in_.shrinkIfIdle(kIdleInputKeep);
    return true;
}

void DatabaseLink::close() {
    if (!stream_) return;
    generation_++;
    loop_.remove(stream_->fd());
    stream_.reset();
    connecting_ = writeArmed_ = false;
    events_ = 0;
    out_.consume(out_.size());
    out_.shrinkIfIdle(kIdleOutputKeep);
    // Not given back here: a read loop that called the owner may still hold
    // views into it (it stops without using them); open() gives it back.
    in_.consume(in_.size());
    framer_.reset();
}

void DatabaseLink::fail(const std::string &why) {
    close();
    owner_.onLinkLost(why);
}

void DatabaseLink::watch(uint32_t events) {
    if (!stream_ || events == events_) return;
    events_ = events;
    loop_.set(stream_->fd(), events_, this);
}

void DatabaseLink::finishConnect() {
    connecting_ = false;
    watch(EPOLLIN);
    uint64_t gen = generation_;
    owner_.onLinkUp();
    if (gen == generation_) flush();
}

bool DatabaseLink::flush() {
    if (!stream_ || connecting_) return stream_ != nullptr;
    while (!out_.empty()) {
        ssize_t n = stream_->write(out_.data(), out_.size());
        if (n > 0) {
            out_.consume(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            writeArmed_ = true;
            watch(EPOLLIN | EPOLLOUT);
            return true;
        }
        fail(std::string("write: ") + std::strerror(n < 0 ? errno : EPIPE));
        return false;
    }
    out_.shrinkIfIdle(kIdleOutputKeep);
    if (writeArmed_) {
        writeArmed_ = false;
        watch(EPOLLIN);
    }
    return true;
}

void DatabaseLink::onIo(uint32_t events) {
    if (!stream_) return;
    if (connecting_) {
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(stream_->fd(), SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
        if (err == 0 && (events & (EPOLLERR | EPOLLHUP))) err = ECONNREFUSED;
        if (err != 0) {
            fail(std::strerror(err));
            return;
        }
        finishConnect();
        return;
    }
    uint64_t gen = generation_;
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) readReplies();
    if (gen != generation_ || !stream_) return;
    if (writeArmed_ && (events & EPOLLOUT)) flush();
}

void DatabaseLink::readReplies() {
    const uint64_t gen = generation_;
    for (int i = 0; i < kReadsPerEvent; i++) {
        char *buf = in_.prepare(kReadChunk);
        ssize_t n = stream_->read(buf, kReadChunk);
        if (n == 0) {
            fail("connection closed by the database");
            return;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            fail(std::string("read: ") + std::strerror(errno));
            return;
        }
        in_.commit(static_cast<size_t>(n));
        std::string_view input = in_.view();
        size_t off = 0;
        for (;;) {
            FramedReply reply;
            ReplyFramer::Result r = framer_.next(input.substr(off), reply);
            if (r == ReplyFramer::Result::NeedMore) break;
            if (r == ReplyFramer::Result::Error) {
                fail(framer_.error());
                return;
            }
            off += reply.bytes.size();
            owner_.onLinkReply(reply);
            // The owner closed the link: `input` is no longer ours.
            if (gen != generation_) return;
        }
        in_.consume(off);
        if (static_cast<size_t>(n) < kReadChunk) return;
    }
}

}  // namespace dbsync
