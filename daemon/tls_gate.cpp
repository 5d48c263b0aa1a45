#include "tls_gate.hpp"

#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "conn_stream.hpp"
#include "log.hpp"
#include "server.hpp"
#include "server_key.hpp"
#include "tls_context.hpp"

namespace dbsync {
namespace {

constexpr unsigned char kTlsHandshakeRecord = 0x16;

// What a plain-text Redis client sees instead of silence.
const char kNeedTls[] =
    "-ERR this dbsyncd port requires TLS 1.3 with a trusted client certificate "
    "(redis-cli --tls --insecure --cert client.crt --key private.pem)\r\n";

bool looksLikeText(unsigned char c) {
    // RESP ('*'), or an inline command's first letter.
    return c == '*' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// A fatal internal_error alert as a plain TLS record (content type 21,
// legacy version 3.3, length 2, level fatal, description 80): what a
// server that cannot take a connection now sends before any handshake. A
// TLS client then reports an alert from the server, not a server that does
// not speak TLS.
const unsigned char kBusyAlert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50};

}  // namespace

// One connection in its TLS handshake.
class TlsGate::Handshake final : public EventLoop::Handler {
public:
    Handshake(TlsGate &gate, int fd, std::string peer, SSL *ssl, std::shared_ptr<const tls::Context> ctx)
        : gate_(gate), fd_(fd), peer_(std::move(peer)), ssl_(ssl), ctx_(std::move(ctx)) {}

    ~Handshake() {
        if (ssl_) SSL_free(ssl_);
        if (fd_ >= 0) ::close(fd_);
    }

    void start() {
        EventLoop &loop = gate_.server_.loop();
        startedMs_ = loop.nowMs();
        loop.add(fd_, EPOLLIN, this);
    }

    uint64_t startedMs() const { return startedMs_; }

    void timedOut(uint64_t timeoutMs) {
        if (done_) return;
        gate_.server_.stats().tlsHandshakeTimeouts++;
        reject("TLS handshake not completed within " + std::to_string(timeoutMs) + " ms (--handshake-timeout)");
    }

    void onIo(uint32_t) override {
        if (done_) return;  // finished earlier in this loop iteration
        if (!sawData_ && !checkFirstByte()) return;
        ERR_clear_error();
        int ret = SSL_do_handshake(ssl_);
        if (ret == 1) return succeed();
        int err = SSL_get_error(ssl_, ret);
        if (err == SSL_ERROR_WANT_READ) return want(EPOLLIN);
        if (err == SSL_ERROR_WANT_WRITE) return want(EPOLLOUT);
        reject(tls::failureText(ssl_, ret, err));
    }

    void abandon() { finishWith(false, std::string()); }

    const std::string &peer() const { return peer_; }

private:
    // Before OpenSSL sees anything: a client that speaks plain RESP gets a
    // one-line explanation; a port probe that sends nothing is told apart
    // from a handshake cut short.
    bool checkFirstByte() {
        unsigned char first = 0;
        ssize_t n = recv(fd_, &first, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return false;
            reject(std::string("connection failed before the TLS handshake: ") + std::strerror(errno));
            return false;
        }
        if (n == 0) {
            reject("connection closed before the TLS handshake began");
            return false;
        }
        sawData_ = true;
        if (first == kTlsHandshakeRecord) return true;
        if (looksLikeText(first)) {
            if (send(fd_, kNeedTls, sizeof kNeedTls - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                // Nothing more to tell a client we are turning away.
            }
            reject("plain-text client on a TLS-only port");
        } else {
            reject("not a TLS handshake (first byte 0x" + hex(first) + ")");
        }
        return false;
    }

    static std::string hex(unsigned char c) {
        static const char digits[] = "0123456789abcdef";
        return {digits[c >> 4], digits[c & 15]};
    }

    void want(uint32_t events) {
        if (events != interest_) {
            interest_ = events;
            gate_.server_.loop().set(fd_, interest_, this);
        }
    }

    void succeed() {
        std::string keyText;
        if (!tls::peerTrusted(ssl_, *ctx_, keyText)) {
            // Unreachable while the verify callback works; never trust it blindly.
            return reject("client key " + (keyText.empty() ? std::string("(none)") : keyText) + " is not trusted");
        }
        LOG_INFO("client %s authenticated: %s", peer_.c_str(), keyText.c_str());
        gate_.server_.stats().tlsHandshakesAccepted++;
        auto stream = std::make_unique<ConnStream>(fd_, ssl_, ctx_);
        gate_.server_.loop().remove(fd_);
        fd_ = -1;
        ssl_ = nullptr;
        std::string peer = peer_;
        finishWith(true, std::string());
        gate_.server_.authenticated(std::move(stream), std::move(peer));
    }

    void reject(const std::string &why) {
        if (done_) return;
        gate_.logRejection(peer_, why);
        gate_.server_.stats().tlsHandshakesRejected++;
        finishWith(false, why);
    }

    void finishWith(bool ok, const std::string &why) {
        if (done_) return;
        done_ = true;
        EventLoop &loop = gate_.server_.loop();
        if (fd_ >= 0) {
            loop.remove(fd_);
            ::close(fd_);
            fd_ = -1;
        }
        if (ssl_) {
            ERR_clear_error();
            SSL_free(ssl_);
            ssl_ = nullptr;
        }
        gate_.finish(this, ok, why);
    }

    TlsGate &gate_;
    int fd_;
    std::string peer_;
    SSL *ssl_;
    std::shared_ptr<const tls::Context> ctx_;
    uint64_t startedMs_ = 0;
    uint32_t interest_ = EPOLLIN;
    bool sawData_ = false;
    bool done_ = false;
};

TlsGate::TlsGate(Server &server)
    : server_(server), rejectLog_("TLS handshake rejections", "--reject-log-rate", server.options().rejectLogRate) {}

TlsGate::~TlsGate() {
    closeAll();
    for (Handshake *hs : dead_) delete hs;
}

// The context for the current options: the server presents --tls-cert
// (with --tls-key) when given, else a certificate for its own key in
// --state-dir (server_key.hpp). `notes` gets what to log about that key,
// `warning` a problem that does not stop it from being used.
static std::shared_ptr<const tls::Context> makeContext(const Options &opts, std::vector<std::string> &notes,
                                                       std::string &warning, std::string &error) {
    tls::ServerConfig config;
    config.pubkeyFiles = opts.pubkeys;
    config.certFile = opts.tlsCert;
    config.keyFile = opts.tlsKey;
    ServerKey own;
    if (opts.tlsCert.empty()) {
        if (!loadOrCreateServerKey(opts.stateDir, own, error)) {
            error = "server key: " + error +
                    " (dbsyncd keeps its TLS key in --state-dir; give it a directory it can write, or use "
                    "--tls-cert/--tls-key)";
            return nullptr;
        }
        config.ownKey = own.key.get();
        config.ownKeySource = own.keyPath;
        if (own.created) notes.push_back("made a new server key in " + own.keyPath);
        if (!own.warning.empty()) warning = "cannot update the public key file: " + own.warning;
    }
    auto ctx = tls::makeServerContext(config, error);
    if (!ctx) return nullptr;
    std::string pin = "to authenticate this server, set on the PHP hosts: dbsync.server_pubkey = " +
                      ctx->ownKeyFingerprint();
    if (opts.tlsCert.empty() && own.warning.empty()) pin += " (or the path of a copy of " + own.pubkeyPath + ")";
    notes.push_back(pin);
    return ctx;
}

bool TlsGate::configure(std::string &error) {
    std::vector<std::string> notes;
    std::string warning;
    auto ctx = makeContext(server_.options(), notes, warning, error);
    if (!ctx) return false;
    ctx_ = std::move(ctx);
    logKeys("TLS 1.3 with pinned client keys", notes, warning);
    return true;
}

bool TlsGate::reload(std::string &error) {
    std::vector<std::string> notes;
    std::string warning;
    auto ctx = makeContext(server_.options(), notes, warning, error);
    if (!ctx) {
        server_.stats().tlsKeyReloadFailures++;
        return false;
    }
    ctx_ = std::move(ctx);
    server_.stats().tlsKeyReloads++;
    logKeys("SIGHUP: reloaded keys; new connections use", notes, warning);
    return true;
}

void TlsGate::logKeys(const char *what, const std::vector<std::string> &notes, const std::string &warning) const {
    LOG_NOTICE("%s: %zu trusted key(s); server key: %s", what, ctx_->pins().size(), ctx_->ownKeyText().c_str());
    for (const auto &k : ctx_->pins().keys())
        LOG_NOTICE("  trusted key %s %s", tls::keyDescription(k.get()).c_str(), tls::keyFingerprint(k.get()).c_str());
    if (!warning.empty()) LOG_WARN("%s", warning.c_str());
    for (const auto &note : notes) LOG_NOTICE("%s", note.c_str());
}

size_t TlsGate::trustedKeys() const { return ctx_ ? ctx_->pins().size() : 0; }

const std::string &TlsGate::serverKeyText() const {
    static const std::string none;
    return ctx_ ? ctx_->ownKeyText() : none;
}

void TlsGate::logRejection(const std::string &peer, const std::string &why) {
    if (rejectLog_.allow(server_.loop().nowMs()))
        LOG_WARN("TLS handshake rejected from %s: %s", peer.c_str(), why.c_str());
}

void TlsGate::accept(int fd, std::string peer) {
    Stats &stats = server_.stats();
    size_t bound = server_.options().maxHandshakes;
    if (live_.size() >= bound) {
        if (!refusing_) {
            // Once when the bound is hit, once when it is relieved: never per peer.
            LOG_WARN("--max-handshakes %zu reached: refusing new TLS connections", bound);
            refusing_ = true;
            refusedBefore_ = stats.tlsHandshakesRefused;
        }
        stats.tlsHandshakesRefused++;
        return refuse(fd);
    }
    if (refusing_) {
        LOG_NOTICE("accepting TLS handshakes again (%llu refused over --max-handshakes)",
                   static_cast<unsigned long long>(stats.tlsHandshakesRefused - refusedBefore_));
        refusing_ = false;
    }
    std::string error;
    SSL *ssl = ctx_->newSsl(fd, error);
    if (!ssl) {
        logRejection(peer, error);
        stats.tlsHandshakesRejected++;
        ::close(fd);
        return;
    }
    auto *hs = new Handshake(*this, fd, std::move(peer), ssl, ctx_);
    live_.insert(hs);
    hs->start();
}

void TlsGate::refuse(int fd) {
    // Take in what the peer sent so far (its ClientHello, usually):
    // closing with unread input would reset the connection, and the reset
    // can reach the peer before it has read the alert.
    char discard[4096];
    for (int i = 0; i < 4 && recv(fd, discard, sizeof discard, MSG_DONTWAIT) > 0; i++) {
    }
    if (send(fd, kBusyAlert, sizeof kBusyAlert, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        // Nothing more to tell a peer we are turning away.
    }
    ::close(fd);
}

void TlsGate::expireHandshakes(uint64_t nowMs, uint64_t timeoutMs) {
    // Collected first: a rejected handshake leaves live_.
    std::vector<Handshake *> expired;
    for (Handshake *hs : live_)
        if (nowMs - hs->startedMs() >= timeoutMs) expired.push_back(hs);
    for (Handshake *hs : expired) hs->timedOut(timeoutMs);
}

void TlsGate::closeAll() {
    std::vector<Handshake *> all(live_.begin(), live_.end());
    for (Handshake *hs : all) hs->abandon();
}

void TlsGate::finish(Handshake *hs, bool, const std::string &) {
    if (!live_.erase(hs)) return;
    dead_.push_back(hs);
}

bool TlsGate::reap() {
    if (dead_.empty()) return false;
    for (Handshake *hs : dead_) delete hs;
    dead_.clear();
    return true;
}

}  // namespace dbsync
