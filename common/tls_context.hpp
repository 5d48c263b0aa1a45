// TLS 1.3 contexts with pinned keys, for both ends of a dbsync connection.
//
// Server (dbsyncd -s): TLS 1.3 only, a client certificate is required, and
// the certificate is accepted exactly when its public key is one of the
// trusted keys. Chains, issuers and dates are not looked at: the key is the
// identity (DESIGN.md decision 2). The handshake's CertificateVerify
// signature, checked by OpenSSL, proves the client holds the private key.
// No session tickets or session cache: every connection proves possession of
// a key that is trusted *now* (a key removed on SIGHUP cannot come back
// through a resumed session).
//
// Client (dbsync.signkey): a self-signed certificate is made in memory from
// the private key; the server's key is checked only when a server key is
// configured (dbsync.server_pubkey).
//
// A Context is immutable once made and shared: each connection keeps a
// shared_ptr to the Context it was made from, so a reload can put a new one
// in place while existing connections carry on with theirs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "tls_keys.hpp"

namespace dbsync::tls {

struct ServerConfig {
    std::vector<std::string> pubkeyFiles;  // trusted client keys (at least one)
    std::string certFile;                  // PEM certificate (chain); empty: ephemeral self-signed
    std::string keyFile;                   // its private key (with certFile)
};

struct ClientConfig {
    std::string signkeyFile;       // passwordless PEM private key (required)
    std::string serverPubkeyFile;  // optional: the server's certificate must carry this key (or one of them)
};

class Context {
public:
    ~Context();
    Context(const Context &) = delete;
    Context &operator=(const Context &) = delete;

    SSL_CTX *sslCtx() const { return ctx_; }
    bool isServer() const { return server_; }
    // Keys the peer's certificate must carry; empty = peer key not checked (client only).
    const KeySet &pins() const { return pins_; }
    // Our own certificate's key, e.g. "ECDSA P-256 sha256:ab..." (for logs).
    const std::string &ownKeyText() const { return ownKeyText_; }

    // A new SSL object on the connected non-blocking socket `fd`, in accept
    // (server) or connect (client) state; the fd stays the caller's. nullptr
    // and `error` on failure.
    SSL *newSsl(int fd, std::string &error) const;

private:
    Context() = default;
    friend std::shared_ptr<Context> makeServerContext(const ServerConfig &, std::string &);
    friend std::shared_ptr<Context> makeClientContext(const ClientConfig &, std::string &);

    SSL_CTX *ctx_ = nullptr;
    bool server_ = false;
    KeySet pins_;
    std::string ownKeyText_;
};

// Loads and checks every key file; nullptr and a one-line `error` (naming
// the file) when a key is missing, unreadable, not a public key or too weak.
std::shared_ptr<Context> makeServerContext(const ServerConfig &config, std::string &error);
// Loads the private key once and builds the client certificate in memory.
std::shared_ptr<Context> makeClientContext(const ClientConfig &config, std::string &error);

// After a completed handshake: the peer's certificate key, checked again
// against ctx.pins() (defence in depth; the verify callback already did).
// True when pins are empty and `ssl` is a client. `keyText` gets the
// peer key's description and fingerprint when there is one.
bool peerTrusted(SSL *ssl, const Context &ctx, std::string &keyText);

// Why SSL_do_handshake/SSL_read/SSL_write returned `ret` (a failure), in
// words: "no client certificate", "client key sha256:... (RSA 2048 bits) is
// not trusted", "connection closed during the TLS handshake", "not TLS
// (wrong version number)"... Empties the OpenSSL error queue.
std::string failureText(SSL *ssl, int ret, int sslError);

}  // namespace dbsync::tls
