// The byte stream under one client connection: a plain socket, or a TLS
// session whose handshake is already complete (tls_gate.cpp does handshakes
// and hands over only authenticated streams). ClientConn reads and writes
// through this type only, so the protocol code is the same for both.
//
// read() and write() keep the shape of read(2)/write(2): > 0 bytes moved,
// 0 end of stream (read), -1 with errno set (EAGAIN: wait for the loop).
// Two TLS details leak through, and ClientConn handles both:
//  - a TLS write may have to wait for input and a read for output (a
//    KeyUpdate): writeWaitsForInput() / readWaitsForOutput() say when the
//    retry must wait for the other direction;
//  - decrypted input can sit inside OpenSSL where epoll cannot see it;
//    hasBufferedInput() says so, and the reader must keep reading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>

#include <openssl/ssl.h>

namespace dbsync {

namespace tls {
class Context;
}

class ConnStream {
public:
    // A plain socket; the stream owns (and closes) fd.
    explicit ConnStream(int fd) : fd_(fd) {}
    // An established TLS session on fd; the stream owns fd and ssl, and
    // keeps the context the session was made from alive.
    ConnStream(int fd, SSL *ssl, std::shared_ptr<const tls::Context> ctx);
    ~ConnStream();
    ConnStream(const ConnStream &) = delete;
    ConnStream &operator=(const ConnStream &) = delete;

    int fd() const { return fd_; }
    bool isTls() const { return ssl_ != nullptr; }

    ssize_t read(char *buf, size_t cap);
    ssize_t write(const char *buf, size_t len);

    // The last write returned EAGAIN until the socket is *readable* / the
    // last read returned EAGAIN until it is *writable*. Always false for
    // plain sockets.
    bool writeWaitsForInput() const { return writeWaitsForInput_; }
    bool readWaitsForOutput() const { return readWaitsForOutput_; }
    bool hasBufferedInput() const;

    // Gives OpenSSL's record buffers (about 34 KiB) back while the
    // connection is idle; they come back with the next record. Kept while
    // a connection is busy: allocating them per record costs ~7% of
    // dbsyncd's CPU under pipelined TLS load. No-op for plain sockets.
    void releaseIdleBuffers();

    // Closes the socket (after a TLS close_notify when the session is
    // healthy). Idempotent; the destructor calls it.
    void close();

    // The last TLS failure in words (for the close log line).
    const std::string &lastError() const { return lastError_; }

private:
    ssize_t tlsFailed(int ret, bool reading);

    int fd_;
    SSL *ssl_ = nullptr;
    std::shared_ptr<const tls::Context> ctx_;
    bool broken_ = false;  // a fatal TLS error: no close_notify
    bool writeWaitsForInput_ = false;
    bool readWaitsForOutput_ = false;
    std::string lastError_;
};

}  // namespace dbsync
