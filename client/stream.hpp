// The one type through which the client core does socket I/O.
//
// A ClientStream owns a connected, non-blocking socket and moves bytes over
// it. The plain implementation is a thin layer over send()/recv(); the TLS
// implementation (dbsync.signkey, client/tls.hpp) implements the same
// interface on top of OpenSSL, which is why every operation can ask
// to wait for the *other* direction (a TLS write may need a read first) and
// why a stream can hold input that poll() does not see (decrypted records
// buffered inside SSL).
//
// Streams are only made by makeClientStream(). When the configuration asks
// for authentication (a signkey) and its key cannot be loaded, no stream is
// made at all: the client never falls back to plain text when a key is
// configured.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace dbsync {

enum class IoStatus {
    Done,       // the operation made progress (read/write: count > 0)
    WantRead,   // retry when the socket is readable
    WantWrite,  // retry when the socket is writable
    Closed,     // the peer closed the connection (read returned EOF)
    Error,      // failed; the error text says why
};

class ClientStream {
public:
    virtual ~ClientStream() = default;

    virtual int fd() const = 0;

    // Finishes protocol setup once TCP is connected (a TLS handshake). A plain
    // stream is ready at once.
    virtual IoStatus handshake(std::string &error) = 0;

    // Reads up to `cap` bytes into `buf`; `got` > 0 when Done.
    virtual IoStatus read(char *buf, size_t cap, size_t &got, std::string &error) = 0;

    // Writes up to `len` bytes; `sent` > 0 when Done. Never raises SIGPIPE.
    virtual IoStatus write(const char *buf, size_t len, size_t &sent, std::string &error) = 0;

    // True when input is already buffered inside the stream (poll() cannot see it).
    virtual bool hasBufferedInput() const { return false; }

    // After an Error: the server refused to authenticate us (a TLS 1.3
    // server answers a refused client certificate on the first read, after
    // the client's side of the handshake is done). It never processed
    // anything sent on this connection.
    virtual bool rejected() const { return false; }

    // Checks an idle connection without consuming anything, before reuse.
    enum class Peek { Idle, Readable, Closed };
    virtual Peek peek() = 0;
};

// What the caller asks of a stream. Connections made with another config
// are closed and made again.
struct StreamConfig {
    std::string signkey;       // path to a PEM private key; non-empty = TLS with that client key required
    std::string serverPubkey;  // with signkey: PEM file or sha256: fingerprints the server's key must match
    bool verifyServer = true;  // with signkey and no serverPubkey: false accepts any server, true sends nothing

    bool operator==(const StreamConfig &) const = default;
};

// Wraps the connected socket `fd` (ownership passes to the stream, also on
// failure): plain without a signkey, TLS with one. Returns nullptr and sets
// `error` when `config` cannot be honoured (a key that does not load).
std::unique_ptr<ClientStream> makeClientStream(int fd, const StreamConfig &config, std::string &error);

}  // namespace dbsync
