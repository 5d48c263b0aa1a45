// The listening socket: TCP (IPv4/IPv6) or a unix socket, non-blocking
// accept. Enforces --max-clients before a client costs anything; pauses
// while the process is out of descriptors (accept_pause.hpp).
#pragma once

#include <string>

#include "accept_pause.hpp"
#include "address.hpp"
#include "event_loop.hpp"

namespace dbsync {

class Server;

class Listener : public EventLoop::Handler {
public:
    explicit Listener(Server &server);
    ~Listener() { stop(); }

    // Binds and listens; on failure sets error and returns false.
    bool start(const Address &address, std::string &error);
    void stop();
    void onIo(uint32_t events) override;
    // A descriptor may be free again: accept again if paused for want of one.
    void resumeAccepting() { pause_.resume(); }

private:
    Server &server_;
    AcceptPause pause_;
    int fd_ = -1;
    std::string unixPath_;
};

}  // namespace dbsync
