// The listening socket: TCP (IPv4/IPv6) or a unix socket, non-blocking
// accept. Enforces --max-clients before a client costs anything.
#pragma once

#include <string>

#include "address.hpp"
#include "event_loop.hpp"

namespace dbsync {

class Server;

class Listener : public EventLoop::Handler {
public:
    Listener(Server &server) : server_(server) {}
    ~Listener() { stop(); }

    // Binds and listens; on failure sets error and returns false.
    bool start(const Address &address, std::string &error);
    void stop();
    void onIo(uint32_t events) override;

private:
    Server &server_;
    int fd_ = -1;
    std::string unixPath_;
};

}  // namespace dbsync
