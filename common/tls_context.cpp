#include "tls_context.hpp"

#include <cerrno>
#include <cstring>
#include <mutex>
#include <sys/socket.h>

#include <openssl/bio.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

namespace dbsync::tls {
namespace {

// Why the verify callback refused a peer, kept on the SSL object so the
// owner of the connection can log it after the handshake fails.
void freeReason(void *, void *ptr, CRYPTO_EX_DATA *, int, long, void *) { delete static_cast<std::string *>(ptr); }

int reasonIndex() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, freeReason);
    return index;
}

void setReason(SSL *ssl, std::string text) {
    int idx = reasonIndex();
    if (!ssl || idx < 0) return;
    auto *old = static_cast<std::string *>(SSL_get_ex_data(ssl, idx));
    if (old) {
        *old = std::move(text);
        return;
    }
    auto *s = new std::string(std::move(text));
    if (SSL_set_ex_data(ssl, idx, s) != 1) delete s;
}

const std::string *getReason(SSL *ssl) {
    int idx = reasonIndex();
    if (!ssl || idx < 0) return nullptr;
    return static_cast<const std::string *>(SSL_get_ex_data(ssl, idx));
}

// OpenSSL's socket BIO writes with write(2): a peer that has gone away
// raises SIGPIPE, which would kill a PHP worker that does not ignore it.
// Same BIO, but send(MSG_NOSIGNAL) for writes.
int sendNoSignal(BIO *bio, const char *data, int len) {
    int fd = -1;
    BIO_get_fd(bio, &fd);
    BIO_clear_retry_flags(bio);
    ssize_t n = ::send(fd, data, static_cast<size_t>(len), MSG_NOSIGNAL);
    if (n <= 0 && BIO_sock_should_retry(static_cast<int>(n))) BIO_set_retry_write(bio);
    return static_cast<int>(n);
}

BIO_METHOD *socketMethod() {
    static BIO_METHOD *method = nullptr;
    static std::once_flag once;
    std::call_once(once, [] {
        const BIO_METHOD *base = BIO_s_socket();
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                     "dbsync socket");
        if (!m) return;
        bool ok = BIO_meth_set_write(m, sendNoSignal) == 1 && BIO_meth_set_read(m, BIO_meth_get_read(base)) == 1 &&
                  BIO_meth_set_puts(m, BIO_meth_get_puts(base)) == 1 &&
                  BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(base)) == 1 &&
                  BIO_meth_set_create(m, BIO_meth_get_create(base)) == 1 &&
                  BIO_meth_set_destroy(m, BIO_meth_get_destroy(base)) == 1;
        if (!ok) {
            BIO_meth_free(m);
            return;
        }
        method = m;
    });
    return method;
}

std::string keyText(const EVP_PKEY *key) { return keyDescription(key) + " " + keyFingerprint(key); }

// Replaces OpenSSL's chain verification: the peer's leaf certificate is
// trusted exactly when its public key is pinned. The CertificateVerify
// signature (possession of the private key) is checked by the TLS state
// machine independently of this callback.
int verifyPinnedKey(X509_STORE_CTX *store, void *arg) {
    const auto *ctx = static_cast<const Context *>(arg);
    X509 *leaf = X509_STORE_CTX_get0_cert(store);
    EVP_PKEY *key = leaf ? X509_get0_pubkey(leaf) : nullptr;
    if (key && ctx->pins().contains(key)) {
        X509_STORE_CTX_set_error(store, X509_V_OK);
        return 1;
    }
    auto *ssl = static_cast<SSL *>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    const char *who = ctx->isServer() ? "client" : "server";
    if (!key)
        setReason(ssl, std::string(who) + " certificate carries no usable public key");
    else
        setReason(ssl, std::string(who) + " key " + keyText(key) + " is not a trusted key");
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
}

constexpr char kServerCipherSuites[] =
    "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384";

bool commonSetup(SSL_CTX *ctx, std::string &error) {
    bool ok = SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1 &&
              SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1;
    if (!ok) {
        error = "cannot restrict TLS to version 1.3: " + opensslError();
        return false;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    // Partial writes and a moving write buffer: the caller's output buffer
    // may grow between a write that must be retried and its retry. Record
    // buffers stay allocated between records (SSL_MODE_RELEASE_BUFFERS
    // would free and allocate them for every one): a PHP process holds few
    // connections, and dbsyncd frees those of idle clients itself
    // (ConnStream::releaseIdleBuffers).
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // Read-ahead: one read(2) takes whatever the kernel holds, instead of
    // a record header and then its body, then a read that finds nothing.
    // Decrypted bytes may then wait inside OpenSSL where epoll cannot see
    // them: readers check SSL_has_pending (hasBufferedInput()).
    SSL_CTX_set_read_ahead(ctx, 1);
    return true;
}

bool useKeyAndCert(SSL_CTX *ctx, EVP_PKEY *key, X509 *cert, std::string &error) {
    if (SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        error = "cannot use the key and certificate: " + opensslError();
        return false;
    }
    return true;
}

}  // namespace

Context::~Context() {
    if (ctx_) SSL_CTX_free(ctx_);
}

SSL *Context::newSsl(int fd, std::string &error) const {
    SSL *ssl = SSL_new(ctx_);
    BIO_METHOD *method = socketMethod();
    BIO *bio = ssl && method ? BIO_new(method) : nullptr;
    if (!bio) {
        error = "cannot start TLS: " + opensslError("out of memory");
        if (ssl) SSL_free(ssl);
        return nullptr;
    }
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    SSL_set_bio(ssl, bio, bio);  // the SSL owns the BIO; the fd stays the caller's
    if (server_)
        SSL_set_accept_state(ssl);
    else
        SSL_set_connect_state(ssl);
    return ssl;
}

std::shared_ptr<Context> makeServerContext(const ServerConfig &config, std::string &error) {
    ERR_clear_error();
    std::shared_ptr<Context> c(new Context());
    c->server_ = true;
    if (config.pubkeyFiles.empty()) {
        error = "no trusted public key given";
        return nullptr;
    }
    if (!c->pins_.loadFiles(config.pubkeyFiles, error)) return nullptr;
    c->ctx_ = SSL_CTX_new(TLS_server_method());
    if (!c->ctx_) {
        error = "cannot create a TLS context: " + opensslError();
        return nullptr;
    }
    if (!commonSetup(c->ctx_, error)) return nullptr;
    static const unsigned char kSessionContext[] = "dbsyncd";
    SSL_CTX_set_session_id_context(c->ctx_, kSessionContext, sizeof kSessionContext - 1);
    SSL_CTX_set_num_tickets(c->ctx_, 0);
    // Requests and replies are small records, so the per-record cost of the
    // cipher shows in throughput: prefer AES-128-GCM (a mandatory TLS 1.3
    // suite, hardware-accelerated) over OpenSSL's default AES-256-GCM.
    if (SSL_CTX_set_ciphersuites(c->ctx_, kServerCipherSuites) != 1) {
        error = "cannot set the TLS 1.3 cipher suites: " + opensslError();
        return nullptr;
    }
    SSL_CTX_set_options(c->ctx_, SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_verify(c->ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    SSL_CTX_set_cert_verify_callback(c->ctx_, verifyPinnedKey, c.get());

    if (!config.certFile.empty()) {
        if (config.keyFile.empty()) {
            error = "a server certificate needs its private key";
            return nullptr;
        }
        PKey key = loadPrivateKey(config.keyFile, error);
        if (!key) return nullptr;
        if (SSL_CTX_use_certificate_chain_file(c->ctx_, config.certFile.c_str()) != 1) {
            error = config.certFile + ": cannot use the certificate: " + opensslError();
            return nullptr;
        }
        if (SSL_CTX_use_PrivateKey(c->ctx_, key.get()) != 1 || SSL_CTX_check_private_key(c->ctx_) != 1) {
            error = config.keyFile + ": does not match " + config.certFile + ": " + opensslError();
            return nullptr;
        }
        c->ownKeyText_ = keyText(key.get()) + " from " + config.certFile;
        c->ownKeyFingerprint_ = keyFingerprint(key.get());
    } else if (config.ownKey) {
        std::string weak;
        if (!checkKeyStrength(config.ownKey, weak)) {
            error = config.ownKeySource + ": " + weak;
            return nullptr;
        }
        // A new certificate at each start for the same key: clients pin the
        // key, never the certificate.
        Cert cert = makeSelfSignedCert(config.ownKey, "dbsyncd", 3650, error);
        if (!cert || !useKeyAndCert(c->ctx_, config.ownKey, cert.get(), error)) return nullptr;
        c->ownKeyText_ = keyText(config.ownKey) + (config.ownKeySource.empty() ? "" : " from " + config.ownKeySource);
        c->ownKeyFingerprint_ = keyFingerprint(config.ownKey);
    } else {
        // Never an ephemeral key: a client could not pin it.
        error = "no server key (neither --tls-cert/--tls-key nor a key in --state-dir)";
        return nullptr;
    }
    return c;
}

std::shared_ptr<Context> makeClientContext(const ClientConfig &config, std::string &error) {
    ERR_clear_error();
    std::shared_ptr<Context> c(new Context());
    c->server_ = false;
    PKey key = loadPrivateKey(config.signkeyFile, error);
    if (!key) return nullptr;
    if (looksLikeFingerprints(config.serverPubkey)) {
        std::vector<std::string> fingerprints;
        if (!parseFingerprints(config.serverPubkey, fingerprints, error)) {
            error = config.serverPubkey + ": " + error;
            return nullptr;
        }
        for (auto &f : fingerprints) c->pins_.addFingerprint(std::move(f));
    } else if (!config.serverPubkey.empty() && !c->pins_.loadFiles({config.serverPubkey}, error)) {
        return nullptr;
    }
    if (c->pins_.empty() && config.verifyServer) {
        error = kNoServerPin;
        return nullptr;
    }
    c->ctx_ = SSL_CTX_new(TLS_client_method());
    if (!c->ctx_) {
        error = "cannot create a TLS context: " + opensslError();
        return nullptr;
    }
    if (!commonSetup(c->ctx_, error)) return nullptr;
    Cert cert = makeSelfSignedCert(key.get(), "dbsync-client", 3650, error);
    if (!cert || !useKeyAndCert(c->ctx_, key.get(), cert.get(), error)) return nullptr;
    if (c->pins_.empty()) {
        SSL_CTX_set_verify(c->ctx_, SSL_VERIFY_NONE, nullptr);
    } else {
        SSL_CTX_set_verify(c->ctx_, SSL_VERIFY_PEER, nullptr);
        SSL_CTX_set_cert_verify_callback(c->ctx_, verifyPinnedKey, c.get());
    }
    c->ownKeyText_ = keyText(key.get());
    c->ownKeyFingerprint_ = keyFingerprint(key.get());
    return c;
}

bool peerTrusted(SSL *ssl, const Context &ctx, std::string &keyTextOut) {
    keyTextOut.clear();
    X509 *peer = SSL_get0_peer_certificate(ssl);
    EVP_PKEY *key = peer ? X509_get0_pubkey(peer) : nullptr;
    if (key) keyTextOut = keyText(key);
    if (ctx.pins().empty()) return !ctx.isServer();
    return key && ctx.pins().contains(key);
}

std::string failureText(SSL *ssl, int ret, int sslError) {
    int savedErrno = errno;
    if (const std::string *reason = getReason(ssl); reason && !reason->empty()) {
        ERR_clear_error();
        return *reason;
    }
    switch (sslError) {
    case SSL_ERROR_ZERO_RETURN: ERR_clear_error(); return "the peer closed the TLS session";
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0) {
            if (ret == 0 || savedErrno == 0) return "connection closed during the TLS handshake";
            return std::strerror(savedErrno);
        }
        return opensslError();
    case SSL_ERROR_SSL: {
        unsigned long code = ERR_peek_error();
        int reason = ERR_GET_REASON(code);
        if (ERR_GET_LIB(code) == ERR_LIB_SSL) {
            if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
                ERR_clear_error();
                return "no client certificate";
            }
            if (reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
                ERR_clear_error();
                return "connection closed during the TLS handshake";
            }
            if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_HTTP_REQUEST ||
                reason == SSL_R_PACKET_LENGTH_TOO_LONG) {
                return "not a TLS handshake (" + opensslError() + ")";
            }
            if (reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_NO_PROTOCOLS_AVAILABLE) {
                return "TLS version below 1.3 (" + opensslError() + ")";
            }
        }
        return opensslError("TLS error");
    }
    default: ERR_clear_error(); return "TLS error " + std::to_string(sslError);
    }
}

}  // namespace dbsync::tls
