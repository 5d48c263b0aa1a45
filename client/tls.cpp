#include "client/tls.hpp"

#include "common/tls_context.hpp"

#include <cerrno>
#include <climits>
#include <map>
#include <tuple>
#include <mutex>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace dbsync {
namespace {

// --- the per-process context cache -------------------------------------------

// What identifies the version of a key file on disk: a key replaced by a
// rename (or rewritten in place) gets a new inode, size or mtime.
struct FileStamp {
    bool exists = false;
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    long long mtimeSec = 0;
    long mtimeNsec = 0;

    bool operator==(const FileStamp &) const = default;
};

FileStamp stampOf(const std::string &path) {
    FileStamp s;
    struct stat st;
    if (path.empty() || ::stat(path.c_str(), &st) != 0) return s;
    s.exists = true;
    s.dev = st.st_dev;
    s.ino = st.st_ino;
    s.size = st.st_size;
    s.mtimeSec = st.st_mtim.tv_sec;
    s.mtimeNsec = st.st_mtim.tv_nsec;
    return s;
}

struct CacheEntry {
    FileStamp signkey;
    FileStamp serverPubkey;
    std::shared_ptr<const tls::Context> context;
};

// A handful of entries at most (one per distinct php.ini value, e.g. per
// php-fpm pool's php_admin_value).
constexpr size_t kMaxContexts = 16;

using CacheKey = std::tuple<std::string, std::string, bool>;  // signkey, server_pubkey, server_verify

struct ContextCache {
    std::mutex mutex;  // ZTS: every thread of the process shares the cache
    std::map<CacheKey, CacheEntry> entries;
};

// Never destroyed: connections may still hold contexts while static
// destructors run; MSHUTDOWN empties it through clearClientTlsContexts().
ContextCache &cache() {
    static ContextCache *c = new ContextCache();
    return *c;
}

// makeClientContext() names the file in its message; say which setting it is.
std::string labelled(const StreamConfig &config, const std::string &error) {
    if (error == tls::kNoServerPin)
        return "dbsync.server_pubkey is not set, so the server cannot be authenticated and nothing was sent: "
               "set it in php.ini to the key dbsyncd logs at start (dbsync.server_pubkey = sha256:...) or to a "
               "copy of its tls-server-pubkey.pem; only dbsync.server_verify = 0 accepts any server (then anyone "
               "on the network path can pose as dbsyncd)";
    auto startsWith = [&](const std::string &path) {
        return !path.empty() && error.compare(0, path.size() + 1, path + ":") == 0;
    };
    if (startsWith(config.serverPubkey)) return "dbsync.server_pubkey " + error;
    if (startsWith(config.signkey)) return "dbsync.signkey " + error;
    return "dbsync.signkey " + config.signkey + ": " + error;
}

// --- the stream ----------------------------------------------------------------

// Alerts a TLS 1.3 server sends when it refuses the client's certificate. In
// TLS 1.3 the client finishes its side of the handshake before the server
// has looked at the certificate, so a refusal arrives on the first read.
bool isRejectionAlert(unsigned long code) {
    if (ERR_GET_LIB(code) != ERR_LIB_SSL) return false;
    switch (ERR_GET_REASON(code)) {
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
    case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE: return true;
    default: return false;
    }
}

class TlsStream final : public ClientStream {
public:
    TlsStream(int fd, SSL *ssl, std::shared_ptr<const tls::Context> context)
        : fd_(fd), ssl_(ssl), context_(std::move(context)), pid_(::getpid()) {}

    ~TlsStream() override {
        // close_notify, best effort and never blocking; only from the
        // process that made the session (a forked child closing its copy
        // must not end the parent's session) and only on a healthy one.
        if (established_ && !broken_ && pid_ == ::getpid()) SSL_shutdown(ssl_);
        SSL_free(ssl_);
        ERR_clear_error();
        ::close(fd_);
    }

    int fd() const override { return fd_; }

    IoStatus handshake(std::string &error) override {
        ERR_clear_error();
        int ret = SSL_do_handshake(ssl_);
        if (ret == 1) {
            std::string keyText;
            if (!tls::peerTrusted(ssl_, *context_, keyText)) {
                // Unreachable while the verify callback works; checked anyway.
                broken_ = true;
                error = "server key " + (keyText.empty() ? std::string("(none)") : keyText) +
                        " is not the key in dbsync.server_pubkey";
                return IoStatus::Error;
            }
            established_ = true;
            return IoStatus::Done;
        }
        int err = SSL_get_error(ssl_, ret);
        if (err == SSL_ERROR_WANT_READ) return IoStatus::WantRead;
        if (err == SSL_ERROR_WANT_WRITE) return IoStatus::WantWrite;
        broken_ = true;
        error = tls::failureText(ssl_, ret, err);
        if (!context_->pins().empty() && error.rfind("server key ", 0) == 0)
            error += " (dbsync.server_pubkey names another key)";
        else if (error.rfind("not a TLS handshake", 0) == 0)
            error = "the server does not speak TLS (is it a dbsyncd started with --pubkey?): " + error;
        return IoStatus::Error;
    }

    IoStatus read(char *buf, size_t cap, size_t &got, std::string &error) override {
        got = 0;
        ERR_clear_error();
        int n = SSL_read(ssl_, buf, cap > INT_MAX ? INT_MAX : static_cast<int>(cap));
        if (n > 0) {
            got = static_cast<size_t>(n);
            starved_ = false;
            return IoStatus::Done;
        }
        return failed(n, error, true);
    }

    IoStatus write(const char *buf, size_t len, size_t &sent, std::string &error) override {
        sent = 0;
        ERR_clear_error();
        int n = SSL_write(ssl_, buf, len > INT_MAX ? INT_MAX : static_cast<int>(len));
        if (n > 0) {
            sent = static_cast<size_t>(n);
            return IoStatus::Done;
        }
        IoStatus st = failed(n, error, false);
        if ((st == IoStatus::Error || st == IoStatus::Closed) && !rejected_) {
            // A server that refuses our certificate sends an alert and
            // closes; a write racing with that close fails with EPIPE or
            // ECONNRESET while the alert, which says why, is already in
            // the socket's receive queue. Read it if it is there.
            char probe[256];
            size_t got = 0;
            std::string why;
            broken_ = false;
            if (read(probe, sizeof probe, got, why) == IoStatus::Error && rejected_) {
                error = why;
                return IoStatus::Error;
            }
            broken_ = true;
            ERR_clear_error();
        }
        return st;
    }

    // Decrypted bytes waiting, or (read-ahead) whole records not yet
    // decrypted. After a read that wanted more, what is buffered is a
    // partial record: only the socket can complete it, so poll() must wait.
    bool hasBufferedInput() const override {
        return SSL_pending(ssl_) > 0 || (!starved_ && SSL_has_pending(ssl_) == 1);
    }

    bool rejected() const override { return rejected_; }

    Peek peek() override {
        if (SSL_pending(ssl_) > 0) return Peek::Readable;
        if (SSL_has_pending(ssl_) != 1) {
            // The common case, an idle connection with nothing buffered:
            // one look at the socket, without OpenSSL's record machinery.
            char b;
            ssize_t r;
            do {
                r = ::recv(fd_, &b, 1, MSG_PEEK | MSG_DONTWAIT);
            } while (r < 0 && errno == EINTR);
            if (r < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? Peek::Idle : Peek::Closed;
            if (r == 0) return Peek::Closed;
        }
        // SSL_peek processes whatever records arrived (a post-handshake
        // message, a close_notify, an alert) without consuming data.
        char c;
        ERR_clear_error();
        int n = SSL_peek(ssl_, &c, 1);
        if (n > 0) return Peek::Readable;
        int err = SSL_get_error(ssl_, n);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            starved_ = err == SSL_ERROR_WANT_READ;
            return Peek::Idle;
        }
        ERR_clear_error();
        if (err != SSL_ERROR_ZERO_RETURN) broken_ = true;
        return Peek::Closed;
    }

private:
    IoStatus failed(int ret, std::string &error, bool reading) {
        int savedErrno = errno;
        int err = SSL_get_error(ssl_, ret);
        switch (err) {
        case SSL_ERROR_WANT_READ:
            if (reading) starved_ = true;
            return IoStatus::WantRead;
        case SSL_ERROR_WANT_WRITE: return IoStatus::WantWrite;
        case SSL_ERROR_ZERO_RETURN: ERR_clear_error(); return IoStatus::Closed;
        default: break;
        }
        broken_ = true;
        unsigned long code = ERR_peek_error();
        if (err == SSL_ERROR_SYSCALL && code == 0 && (ret == 0 || savedErrno == 0)) return IoStatus::Closed;
        if (err == SSL_ERROR_SSL && ERR_GET_LIB(code) == ERR_LIB_SSL &&
            ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            ERR_clear_error();
            return IoStatus::Closed;
        }
        if (err == SSL_ERROR_SSL && isRejectionAlert(code)) {
            rejected_ = true;
            std::string alert = tls::opensslError();
            error = "TLS handshake rejected: the server refused this client's key " + context_->ownKeyText() +
                    " (" + alert + "); its public key must be one of the server's trusted keys (dbsyncd --pubkey)";
            return IoStatus::Error;
        }
        errno = savedErrno;
        error = tls::failureText(ssl_, ret, err);
        return IoStatus::Error;
    }

    int fd_;
    SSL *ssl_;
    std::shared_ptr<const tls::Context> context_;
    pid_t pid_;
    bool established_ = false;
    bool broken_ = false;    // a fatal error: no close_notify
    bool rejected_ = false;  // the server refused our certificate
    bool starved_ = false;   // the last read wanted more from the socket
};

}  // namespace

std::shared_ptr<const tls::Context> clientTlsContext(const StreamConfig &config, std::string &error,
                                                     bool revalidate) {
    if (config.signkey.empty()) {
        error = "dbsync.signkey is not set";
        return nullptr;
    }
    if (config.signkey == config.serverPubkey) {
        error = "dbsync.server_pubkey " + config.serverPubkey +
                ": is the client's own key file (dbsync.signkey); give the server's public key";
        return nullptr;
    }
    ContextCache &c = cache();
    CacheKey id{config.signkey, config.serverPubkey, config.verifyServer};
    if (!revalidate) {
        std::lock_guard<std::mutex> lock(c.mutex);
        auto it = c.entries.find(id);
        if (it != c.entries.end()) return it->second.context;
    }
    FileStamp keyStamp = stampOf(config.signkey);
    // Fingerprints are no file to watch.
    FileStamp pubStamp = tls::looksLikeFingerprints(config.serverPubkey) ? FileStamp{} : stampOf(config.serverPubkey);
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.entries.find(id);
    if (it != c.entries.end() && it->second.signkey == keyStamp && it->second.serverPubkey == pubStamp)
        return it->second.context;

    std::string err;
    std::shared_ptr<const tls::Context> context =
        tls::makeClientContext(tls::ClientConfig{config.signkey, config.serverPubkey, config.verifyServer}, err);
    if (!context) {
        if (it != c.entries.end()) c.entries.erase(it);  // fail closed: never the old key
        error = labelled(config, err);
        return nullptr;
    }
    if (it == c.entries.end() && c.entries.size() >= kMaxContexts) c.entries.clear();
    c.entries[id] = CacheEntry{keyStamp, pubStamp, context};
    return context;
}

void clearClientTlsContexts() {
    ContextCache &c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    c.entries.clear();
}

std::unique_ptr<ClientStream> makeTlsClientStream(int fd, std::shared_ptr<const tls::Context> context,
                                                  std::string &error) {
    SSL *ssl = context ? context->newSsl(fd, error) : nullptr;
    if (!ssl) {
        if (!context) error = "no TLS context";
        ::close(fd);
        return nullptr;
    }
    return std::make_unique<TlsStream>(fd, ssl, std::move(context));
}

}  // namespace dbsync
