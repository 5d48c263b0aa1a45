// --metrics ADDR:PORT: Prometheus text exposition at GET /metrics, served
// from the daemon's one event loop.
//
// A deliberately tiny HTTP/1.0-1.1 server: one request per connection
// ("Connection: close"), non-blocking, the request head bounded in size and
// in time, and its own connection limit, so a scraper (or anything else that
// finds the port) can never cost the proxy more than a few kilobytes.
// Anything but GET/HEAD /metrics gets a proper HTTP error: 400 for a
// malformed request, 404 for another path, 405 for another method, 408 when
// the request head does not arrive in time, 431 when it is too large, 503
// over the connection limit, 505 for an HTTP version other than 1.x.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "accept_pause.hpp"
#include "address.hpp"
#include "event_loop.hpp"

namespace dbsync {

class MetricsHttp : public EventLoop::Handler {
public:
    struct Limits {
        size_t maxClients = 16;          // --metrics-max-clients
        uint64_t readTimeoutMs = 5000;   // to receive the request head
        size_t maxRequestBytes = 8192;   // request line + headers
    };
    // Produces the response body for GET /metrics.
    using Render = std::function<std::string()>;

    MetricsHttp(EventLoop &loop, Limits limits, Render render);
    ~MetricsHttp();
    MetricsHttp(const MetricsHttp &) = delete;
    MetricsHttp &operator=(const MetricsHttp &) = delete;

    // Binds and listens (TCP only); on failure sets error and returns false.
    bool start(const Address &address, std::string &error);
    // Stops listening and closes every connection.
    void stop();
    void onIo(uint32_t events) override;  // accept

    // For the janitor: connections past their deadline (the request head
    // not in within readTimeoutMs, an answer not collected) are answered
    // 408 or closed.
    void expire(uint64_t nowMs);
    // Frees closed connections, once the loop turn is over (from
    // Server::beforeSleep); true if any were freed.
    bool reap();
    // Accepts again if paused for want of descriptors (accept_pause.hpp).
    void resumeAccepting() { pause_.resume(); }

    size_t connections() const { return conns_.size() - turningAway_; }
    uint64_t requests = 0;   // answered with 200
    uint64_t errors = 0;     // answered with an HTTP error (4xx/5xx)
    uint64_t rejected = 0;   // turned away over the connection limit

private:
    class Conn;
    friend class Conn;

    void closeConn(Conn *conn);

    EventLoop &loop_;
    Limits limits_;
    Render render_;
    int fd_ = -1;
    std::unordered_set<Conn *> conns_;
    size_t turningAway_ = 0;    // of conns_: answered 503, lingering until the peer closes
    std::vector<Conn *> dead_;  // closed; freed by reap()
    AcceptPause pause_;
    bool limitLogged_ = false;  // "connection limit reached" logged once per episode
};

}  // namespace dbsync
