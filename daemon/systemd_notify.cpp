#include "systemd_notify.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace dbsync::sdnotify {

bool enabled() {
    const char *name = std::getenv("NOTIFY_SOCKET");
    return name != nullptr && name[0] != '\0';
}

bool sendDirect(const char *socketName, const std::string &message) {
    if (socketName == nullptr) return false;
    size_t len = std::strlen(socketName);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    // "/path" names a filesystem socket, "@name" an abstract one (leading NUL).
    if ((socketName[0] != '/' && socketName[0] != '@') || len < 2 || len >= sizeof sun.sun_path) return false;
    std::memcpy(sun.sun_path, socketName, len);
    if (sun.sun_path[0] == '@') sun.sun_path[0] = '\0';
    socklen_t addrLen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);

    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    ssize_t n;
    do {
        n = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr *>(&sun), addrLen);
    } while (n < 0 && errno == EINTR);
    close(fd);
    return n == static_cast<ssize_t>(message.size());
}

bool send(const std::string &message) {
    if (!enabled()) return false;
#ifdef HAVE_LIBSYSTEMD
    return sd_notify(0, message.c_str()) > 0;
#else
    return sendDirect(std::getenv("NOTIFY_SOCKET"), message);
#endif
}

}  // namespace dbsync::sdnotify
