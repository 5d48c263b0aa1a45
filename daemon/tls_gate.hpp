// The gate in front of the client code when --pubkey is set: every accepted
// connection first runs a TLS 1.3 handshake here, driven by the event loop
// (non-blocking SSL_accept, WANT_READ/WANT_WRITE), under a deadline
// (--handshake-timeout, enforced by the janitor). Only a connection whose
// client certificate carries a trusted key becomes a ClientConn;
// everything else (plain text, garbage, no certificate, a foreign key, a
// truncated or stalled handshake) is closed here, logged with the peer
// address (at most --reject-log-rate lines a second; the rest are counted
// in one line) and counted. Because no ClientConn exists before
// authentication, no byte of an unauthenticated connection is ever parsed
// as a request, let alone sent to a database.
//
// Handshakes in progress have their own bound, --max-handshakes, apart from
// --max-clients: peers that never authenticate cannot take the slots of
// clients. A connection over either bound is refused with a TLS alert
// (internal_error), never with plain text on this TLS-only port.
//
// The server's own key is --tls-key, or the key dbsyncd keeps in --state-dir
// (server_key.hpp); configure() logs its fingerprint and the
// dbsync.server_pubkey line that pins it.
//
// SIGHUP: reload() reads the key files (and --tls-cert/--tls-key, or the key
// in --state-dir) again and puts a new TLS context in place for new
// connections; handshakes in progress and established sessions keep the
// context they started with.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "event_loop.hpp"
#include "log_limiter.hpp"

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

    // Takes over a freshly accepted socket and starts its handshake, or
    // refuses it over --max-handshakes.
    void accept(int fd, std::string peer);
    // Turns a connection away with a TLS alert and closes it.
    void refuse(int fd);
    // Shutdown: drops every handshake in progress.
    void closeAll();

    // For the janitor: rejects handshakes older than timeoutMs, and writes
    // the count of rejections not logged.
    void expireHandshakes(uint64_t nowMs, uint64_t timeoutMs);
    void sweepRejectLog(uint64_t nowMs) { rejectLog_.sweep(nowMs); }
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
    void logRejection(const std::string &peer, const std::string &why);
    void logKeys(const char *what, const std::vector<std::string> &notes, const std::string &warning) const;

    Server &server_;
    std::shared_ptr<const tls::Context> ctx_;
    std::unordered_set<Handshake *> live_;
    // Finished handshakes are freed by reap(), after the current loop
    // iteration, because an event for them may still be in this batch.
    std::vector<Handshake *> dead_;
    LogLimiter rejectLog_;
    bool refusing_ = false;        // --max-handshakes hit, not yet relieved
    uint64_t refusedBefore_ = 0;   // tlsHandshakesRefused when that began
};

}  // namespace dbsync
