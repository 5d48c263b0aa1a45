#include "conn_stream.hpp"

#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "tls_context.hpp"

namespace dbsync {
ConnStream::ConnStream(int fd, SSL *ssl, std::shared_ptr<const tls::Context> ctx)
    : fd_(fd), ssl_(ssl), ctx_(std::move(ctx)) {}

ConnStream::~ConnStream() { close(); }

void ConnStream::close() {
    if (ssl_) {
        if (!broken_) {
            // Best effort, non-blocking: one close_notify, no wait for the reply.
            SSL_shutdown(ssl_);
        }
        ERR_clear_error();
        SSL_free(ssl_);
        ssl_ = nullptr;
    }
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    ctx_.reset();
}

void ConnStream::releaseIdleBuffers() {
    // Refused by OpenSSL (returns 0) while a buffer holds unread or unsent bytes.
    if (ssl_ && !broken_) SSL_free_buffers(ssl_);
}

bool ConnStream::hasBufferedInput() const {
    return ssl_ && !broken_ && (SSL_pending(ssl_) > 0 || SSL_has_pending(ssl_) == 1);
}

ssize_t ConnStream::tlsFailed(int ret, bool reading) {
    int err = SSL_get_error(ssl_, ret);
    switch (err) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        if (reading)
            readWaitsForOutput_ = err == SSL_ERROR_WANT_WRITE;
        else
            writeWaitsForInput_ = err == SSL_ERROR_WANT_READ;
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        // close_notify from the client: a clean end of stream.
        if (reading) return 0;
        errno = EPIPE;
        return -1;
    default:
        break;
    }
    int savedErrno = errno;
    broken_ = true;
    unsigned long code = ERR_peek_error();
    bool eof = (err == SSL_ERROR_SYSCALL && code == 0 && (ret == 0 || savedErrno == 0)) ||
               (err == SSL_ERROR_SSL && ERR_GET_LIB(code) == ERR_LIB_SSL &&
                ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
    lastError_ = tls::failureText(ssl_, ret, err);
    if (eof) {
        // The peer closed TCP without close_notify: treat as end of stream.
        if (reading) return 0;
        errno = EPIPE;
        return -1;
    }
    errno = (err == SSL_ERROR_SYSCALL && savedErrno != 0) ? savedErrno : EPROTO;
    return -1;
}

ssize_t ConnStream::read(char *buf, size_t cap) {
    if (!ssl_) return ::read(fd_, buf, cap);
    if (broken_) return 0;
    // Decrypt every record OpenSSL's read-ahead already holds, then stop:
    // asking the socket again would mostly cost a read(2) that returns
    // EAGAIN, and level-triggered epoll reports whatever arrives later.
    // Bytes left inside OpenSSL (a caller buffer that filled up, or half a
    // record) are reported by hasBufferedInput(); the reader checks it.
    size_t got = 0;
    while (got < cap) {
        size_t n = 0;
        ERR_clear_error();
        int ret = SSL_read_ex(ssl_, buf + got, cap - got, &n);
        if (ret == 1) {
            readWaitsForOutput_ = false;
            got += n;
            if (!hasBufferedInput()) break;
            continue;
        }
        if (got > 0) {
            // Deliver what we have; a failure (now broken_) reads as the end
            // of the stream on the next call.
            int savedErrno = errno;
            tlsFailed(ret, true);
            errno = savedErrno;
            return static_cast<ssize_t>(got);
        }
        return tlsFailed(ret, true);
    }
    return static_cast<ssize_t>(got);
}

ssize_t ConnStream::write(const char *buf, size_t len) {
    if (!ssl_) return ::send(fd_, buf, len, MSG_NOSIGNAL);
    if (broken_) {
        errno = EPIPE;
        return -1;
    }
    if (len == 0) return 0;
    size_t n = 0;
    ERR_clear_error();
    int ret = SSL_write_ex(ssl_, buf, len, &n);
    if (ret == 1) {
        writeWaitsForInput_ = false;
        return static_cast<ssize_t>(n);
    }
    return tlsFailed(ret, false);
}

}  // namespace dbsync
