// One socket to a Redis server, with dbsyncd doing its own I/O: a
// non-blocking connect, an output buffer, and input framed reply by reply
// by ReplyFramer (common/reply_framer.hpp), so each reply reaches its owner
// as the exact bytes the server sent, however deep it nests.
//
// The owner (DatabaseBackend for the shared command connection,
// DatabaseControl for a SCRIPT KILL / FUNCTION KILL connection) queues
// bytes with queue() and writes them with flush(); replies and the loss of
// the connection come back through Owner. The owner may close() the link
// from inside any Owner callback: the link then stops reading at once and
// touches nothing of the closed connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "address.hpp"
#include "byte_buffer.hpp"
#include "conn_stream.hpp"
#include "event_loop.hpp"
#include "reply_framer.hpp"

namespace dbsync {

class DatabaseLink : public EventLoop::Handler {
public:
    class Owner {
    public:
        // The connect completed: queued bytes are being written.
        virtual void onLinkUp() = 0;
        // The next reply, in the order the commands were written. `reply.bytes`
        // is valid only during the call.
        virtual void onLinkReply(const FramedReply &reply) = 0;
        // The connection failed or was closed by the server; the link is
        // already closed. Not called for close().
        virtual void onLinkLost(const std::string &why) = 0;

    protected:
        ~Owner() = default;
    };

    DatabaseLink(EventLoop &loop, Owner &owner, ReplyFramerLimits limits);
    ~DatabaseLink();
    DatabaseLink(const DatabaseLink &) = delete;
    DatabaseLink &operator=(const DatabaseLink &) = delete;

    // Starts connecting (a host name is resolved here, blocking, as the
    // system resolver does). False with `why` if it failed at once.
    bool open(const Address &address, std::string &why);
    // Drops the connection and whatever it had buffered either way.
    void close();

    bool isOpen() const { return stream_ != nullptr; }
    bool connected() const { return stream_ && !connecting_; }

    // Appends bytes to be written by the next flush() (or once connected).
    void queue(std::string_view bytes) {
        if (!bytes.empty()) out_.append(bytes);  // an empty buffer has no memory to copy into
    }
    size_t queuedBytes() const { return out_.size(); }
    // Writes what is queued as far as the socket takes it; the rest waits
    // for EPOLLOUT. A failure closes the link and calls onLinkLost (false).
    bool flush();
    // The socket has not taken everything queued yet (or is still
    // connecting): more written now would only pile up here.
    bool waitsForWritable() const { return stream_ && (connecting_ || writeArmed_); }

    void onIo(uint32_t events) override;

private:
    void finishConnect();
    void readReplies();
    void fail(const std::string &why);
    void watch(uint32_t events);

    EventLoop &loop_;
    Owner &owner_;
    ReplyFramer framer_;
    std::unique_ptr<ConnStream> stream_;
    bool connecting_ = false;
    bool writeArmed_ = false;
    uint32_t events_ = 0;
    // Counts close()s: an Owner callback that closed (and maybe reopened)
    // the link is seen by the read loop, which then stops.
    uint64_t generation_ = 0;
    ByteBuffer out_;
    ByteBuffer in_;
};

}  // namespace dbsync
