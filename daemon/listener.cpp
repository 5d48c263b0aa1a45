#include "listener.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.hpp"
#include "server.hpp"

namespace dbsync {
namespace {

std::string peerName(const sockaddr_storage &ss, bool isUnix) {
    if (isUnix) return "unix";
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (ss.ss_family == AF_INET) {
        auto *sin = reinterpret_cast<const sockaddr_in *>(&ss);
        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
        port = ntohs(sin->sin_port);
        return std::string(host) + ":" + std::to_string(port);
    }
    auto *sin6 = reinterpret_cast<const sockaddr_in6 *>(&ss);
    inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
    port = ntohs(sin6->sin6_port);
    return "[" + std::string(host) + "]:" + std::to_string(port);
}

}  // namespace

bool Listener::start(const Address &address, std::string &error) {
    if (address.kind == Address::Kind::Unix) {
        fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        if (address.path.size() >= sizeof sun.sun_path) {
            error = "unix socket path too long";
            return false;
        }
        std::memcpy(sun.sun_path, address.path.c_str(), address.path.size() + 1);
        unlink(address.path.c_str());  // a stale socket from a previous run
        if (bind(fd_, reinterpret_cast<sockaddr *>(&sun), sizeof sun) != 0) {
            error = std::string("bind ") + address.path + ": " + std::strerror(errno);
            return false;
        }
        unixPath_ = address.path;
    } else {
        addrinfo hints{}, *res = nullptr;
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        std::string port = std::to_string(address.port);
        int rc = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &res);
        if (rc != 0) {
            error = "cannot resolve " + address.host + ": " + gai_strerror(rc);
            return false;
        }
        fd_ = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (res->ai_family == AF_INET6) setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (bind(fd_, res->ai_addr, res->ai_addrlen) != 0) {
            error = "bind " + address.display() + ": " + std::strerror(errno);
            freeaddrinfo(res);
            return false;
        }
        freeaddrinfo(res);
    }
    if (listen(fd_, 511) != 0) {
        error = std::string("listen: ") + std::strerror(errno);
        return false;
    }
    server_.loop().add(fd_, EPOLLIN, this);
    return true;
}

void Listener::stop() {
    if (fd_ < 0) return;
    server_.loop().remove(fd_);
    close(fd_);
    fd_ = -1;
    if (!unixPath_.empty()) unlink(unixPath_.c_str());
    unixPath_.clear();
}

void Listener::onIo(uint32_t) {
    // Accept a bounded batch per wake-up so a connection storm cannot starve
    // clients that are already talking to us.
    for (int i = 0; i < 256 && fd_ >= 0; i++) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        int fd = accept4(fd_, reinterpret_cast<sockaddr *>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                // EMFILE and friends: log once per burst, try again next wake-up.
                LOG_WARN("accept: %s", std::strerror(errno));
            }
            return;
        }
        bool isUnix = !unixPath_.empty();
        if (!isUnix) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        server_.accepted(fd, peerName(ss, isUnix));
    }
}

}  // namespace dbsync
