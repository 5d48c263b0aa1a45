// TLS 1.3 contexts with pinned keys, for both ends of a dbsync connection.
//
// Server (dbsyncd -s): TLS 1.3 only, a client certificate is required, and
// the certificate is accepted exactly when its public key is one of the
// trusted keys. Chains, issuers and dates are not looked at: the key is the
// identity (docs/operations.md, "Security"). The handshake's CertificateVerify
// signature, checked by OpenSSL, proves the client holds the private key.
// No session tickets or session cache: every connection proves possession of
// a key that is trusted *now* (a key removed on SIGHUP cannot come back
// through a resumed session). The server presents --tls-cert, or a
// certificate made in memory for its own key (daemon/server_key.hpp): there
// is no ephemeral key, so what clients pin stays valid across restarts.
//
// Client (dbsync.signkey): a self-signed certificate is made in memory from
// the private key, and the server's key must be one of dbsync.server_pubkey
// (a PEM file or fingerprints). Without pins the context is only made when
// the caller says explicitly that the server need not be authenticated
// (dbsync.server_verify = 0).
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
    std::string certFile;                  // PEM certificate (chain); empty: a self-signed one for ownKey
    std::string keyFile;                   // its private key (with certFile)
    EVP_PKEY *ownKey = nullptr;            // without certFile: the server's key (borrowed for the call)
    std::string ownKeySource;              // where ownKey lives, for logs ("/var/lib/dbsyncd/...")
};

struct ClientConfig {
    std::string signkeyFile;   // passwordless PEM private key (required)
    // The server's certificate must carry one of these keys: a PEM file (it
    // may hold several keys), or "sha256:..." fingerprints (parseFingerprints()).
    std::string serverPubkey;
    // With serverPubkey empty: false makes a context that accepts any
    // server; true (the default) refuses to make one.
    bool verifyServer = true;
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
    // Our own certificate's key, e.g. "ECDSA P-256 sha256:ab... from cert.pem" (for logs).
    const std::string &ownKeyText() const { return ownKeyText_; }
    // Its fingerprint alone, "sha256:ab...": what a peer pins.
    const std::string &ownKeyFingerprint() const { return ownKeyFingerprint_; }

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
    std::string ownKeyFingerprint_;
};

// Loads and checks every key file; nullptr and a one-line `error` (naming
// the file) when a key is missing, unreadable, not a public key or too weak,
// or when neither certFile nor ownKey gives the server a key.
std::shared_ptr<Context> makeServerContext(const ServerConfig &config, std::string &error);
// Loads the private key once and builds the client certificate in memory;
// loads the server pins. nullptr and `error` when a file does not load, a
// fingerprint is malformed, or there is no pin while verifyServer is set
// (error then starts with kNoServerPin).
std::shared_ptr<Context> makeClientContext(const ClientConfig &config, std::string &error);
inline constexpr char kNoServerPin[] = "no server key to check the server against";

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
