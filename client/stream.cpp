#include "client/stream.hpp"

#include "client/tls.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace dbsync {
namespace {

// Plain TCP or unix-domain socket. send() with MSG_NOSIGNAL rather than
// write() so that a peer reset gives EPIPE instead of killing the PHP worker.
class PlainStream final : public ClientStream {
public:
    explicit PlainStream(int fd) : fd_(fd) {}
    ~PlainStream() override {
        if (fd_ >= 0) ::close(fd_);
    }

    int fd() const override { return fd_; }

    IoStatus handshake(std::string &) override { return IoStatus::Done; }

    IoStatus read(char *buf, size_t cap, size_t &got, std::string &error) override {
        got = 0;
        for (;;) {
            ssize_t n = ::recv(fd_, buf, cap, 0);
            if (n > 0) {
                got = static_cast<size_t>(n);
                return IoStatus::Done;
            }
            if (n == 0) return IoStatus::Closed;
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return IoStatus::WantRead;
            error = std::strerror(errno);
            return IoStatus::Error;
        }
    }

    IoStatus write(const char *buf, size_t len, size_t &sent, std::string &error) override {
        sent = 0;
        for (;;) {
            ssize_t n = ::send(fd_, buf, len, MSG_NOSIGNAL);
            if (n >= 0) {
                sent = static_cast<size_t>(n);
                return n > 0 ? IoStatus::Done : IoStatus::WantWrite;
            }
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return IoStatus::WantWrite;
            error = std::strerror(errno);
            return IoStatus::Error;
        }
    }

    Peek peek() override {
        char c;
        for (;;) {
            ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
            if (n > 0) return Peek::Readable;
            if (n == 0) return Peek::Closed;
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return Peek::Idle;
            return Peek::Closed;  // ECONNRESET and friends: unusable
        }
    }

private:
    int fd_;
};

}  // namespace

std::unique_ptr<ClientStream> makeClientStream(int fd, const StreamConfig &config, std::string &error) {
    if (!config.signkey.empty()) {
        // Fail closed: a configured key means "authenticated or nothing".
        auto context = clientTlsContext(config, error);
        if (!context) {
            ::close(fd);
            return nullptr;
        }
        return makeTlsClientStream(fd, std::move(context), error);
    }
    return std::make_unique<PlainStream>(fd);
}

}  // namespace dbsync
