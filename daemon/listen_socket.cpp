#include "listen_socket.hpp"

#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace dbsync {
namespace {

int failWith(int fd, std::string &error, std::string message) {
    error = std::move(message);
    if (fd >= 0) ::close(fd);
    return -1;
}

int openUnix(const Address &address, int backlog, std::string &error) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (address.path.size() >= sizeof sun.sun_path) return failWith(-1, error, "unix socket path too long");
    std::memcpy(sun.sun_path, address.path.c_str(), address.path.size() + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return failWith(fd, error, std::string("socket: ") + std::strerror(errno));
    unlink(address.path.c_str());  // a stale socket from a previous run
    if (bind(fd, reinterpret_cast<sockaddr *>(&sun), sizeof sun) != 0 || listen(fd, backlog) != 0)
        return failWith(fd, error, "bind " + address.path + ": " + std::strerror(errno));
    return fd;
}

int openTcp(const Address &address, int backlog, std::string &error) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    std::string port = std::to_string(address.port);
    int rc = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) return failWith(-1, error, "cannot resolve " + address.host + ": " + gai_strerror(rc));
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        freeaddrinfo(res);
        return failWith(fd, error, std::string("socket: ") + std::strerror(errno));
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (res->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    bool ok = bind(fd, res->ai_addr, res->ai_addrlen) == 0 && listen(fd, backlog) == 0;
    int saved = errno;
    freeaddrinfo(res);
    if (!ok) return failWith(fd, error, "bind " + address.display() + ": " + std::strerror(saved));
    return fd;
}

}  // namespace

int openListenSocket(const Address &address, int backlog, std::string &error) {
    return address.kind == Address::Kind::Unix ? openUnix(address, backlog, error)
                                               : openTcp(address, backlog, error);
}

}  // namespace dbsync
