// The gate in front of the client code when --pubkey is set: every accepted
// connection first runs a TLS 1.3 handshake here, driven by the event loop
// (non-blocking SSL_accept, WANT_READ/WANT_WRITE), under a deadline
// (--handshake-timeout, enforced by the janitor). Only a connection whose
// client certificate carries a trusted key becomes a ClientConn;
// everything else (plain text, garbage, no certificate, a foreign key, a
// truncated or stalled handshake) is closed here, logged once with the
// peer address and counted. Because no ClientConn exists before
// authentication, no byte of an unauthenticated connection is ever parsed
// as a request, let alone sent to a database.
//
// SIGHUP: reload() reads the key files (and --tls-cert/--tls-key) again and
// puts a new TLS context in place for new connections; handshakes in
// progress and established sessions keep the context they started with.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "event_loop.hpp"

namespace dbsync {

namespace tls {
class Context;
}
class Server;

class TlsGate {
public:
    explicit TlsGate(Server &server);
    ~TlsGate();
    TlsGate(const TlsGate &) = delete;
    TlsGate &operator=(const TlsGate &) = delete;

    // Loads the keys and makes the context; false with a one-line error.
    bool configure(std::string &error);
    // SIGHUP. On failure the current keys stay in force.
    bool reload(std::string &error);

    // Takes over a freshly accepted socket and starts its handshake.
    void accept(int fd, std::string peer);
    // Shutdown: drops every handshake in progress.
    void closeAll();

    // For the janitor: rejects handshakes older than timeoutMs.
    void expireHandshakes(uint64_t nowMs, uint64_t timeoutMs);
    // Frees finished handshakes (from Server::beforeSleep, after every event
    // of the loop turn); true if any were freed.
    bool reap();

    size_t inProgress() const { return live_.size(); }
    size_t trustedKeys() const;
    const std::string &serverKeyText() const;

    class Handshake;

private:
    friend class Handshake;
    void finish(Handshake *hs, bool ok, const std::string &why);
    void logKeys(const char *what) const;

    Server &server_;
    std::shared_ptr<const tls::Context> ctx_;
    std::unordered_set<Handshake *> live_;
    // Finished handshakes are freed by reap(), after the current loop
    // iteration, because an event for them may still be in this batch.
    std::vector<Handshake *> dead_;
};

}  // namespace dbsync
