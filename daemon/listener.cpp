#include "listener.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen_socket.hpp"
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

Listener::Listener(Server &server) : server_(server), pause_(server.loop(), "") {}

bool Listener::start(const Address &address, std::string &error) {
    fd_ = openListenSocket(address, 511, error);
    if (fd_ < 0) return false;
    if (address.kind == Address::Kind::Unix) unixPath_ = address.path;
    server_.loop().add(fd_, EPOLLIN, this);
    pause_.watch(fd_, this);
    return true;
}

void Listener::stop() {
    if (fd_ < 0) return;
    pause_.watch(-1, nullptr);
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
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                pause_.drained();
                return;
            }
            if (!pause_.pauseOn(errno)) LOG_WARN("accept: %s", std::strerror(errno));
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
