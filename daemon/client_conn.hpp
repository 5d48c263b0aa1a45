// One connected client: reads requests, hands them to the fan-out, and
// writes the replies back in the order the requests came, however the
// databases interleave their answers.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "byte_buffer.hpp"
#include "command_policy.hpp"
#include "conn_stream.hpp"
#include "event_loop.hpp"
#include "request_framer.hpp"

namespace dbsync {

struct CommandSpec;
class FanoutRequest;
class Server;

class ClientConn final : public EventLoop::Handler {
public:
    ClientConn(Server &server, int fd, std::string peer);
    // An authenticated TLS session (tls_gate.cpp) or a plain socket.
    ClientConn(Server &server, std::unique_ptr<ConnStream> stream, std::string peer);
    ~ClientConn();

    void onIo(uint32_t events) override;
    // Called once the client is registered: requests that arrived with the
    // end of the TLS handshake already sit inside OpenSSL, and epoll will
    // not report them.
    void start();

    // A request in this client's queue has its reply.
    void onDecided();
    // Writes what is buffered.
    void flush();
    // A leader-first command held this client's next command back
    // (leader_first.hpp); it goes on now.
    void resumeAfterLeader();
    // The one way a client is closed: stops its I/O at once and hands it to
    // the server, which frees it before the loop sleeps (see server.hpp).
    // `why`, if given, is logged.
    void close(const char *why);
    // Stop taking requests; close once everything in flight is answered.
    void finishAndClose();

    // For the janitor (janitor.cpp), which decides when these apply:
    // when a half-received request began (0: none),
    uint64_t partialSinceMs() const { return partialSinceMs_; }
    // answers it with an error and closes once that is written,
    void requestTimedOut(uint64_t limitMs);
    // reply bytes not yet written, and all bytes written so far,
    size_t unreadBytes() const { return out_.size(); }
    uint64_t bytesWritten() const { return bytesWritten_; }
    // closes a client that does not read its replies (--client-max-output),
    void closeForUnreadOutput();
    // and lets an idle TLS client give its record buffers back.
    void releaseBuffersIfIdle();
    // What the janitor saw at its last sweep (for --client-max-output).
    struct OutputMark {
        bool wasOver = false;
        uint64_t written = 0;
    } outputMark;

    // Bytes held in this client's buffers, for --max-buffer-memory
    // (client_memory.cpp), and the close when it is over that bound.
    size_t bufferedBytes() const { return in_.capacity() + out_.capacity() + multiBytes_; }
    void closeOverBufferMemory(size_t totalBytes, size_t bound);

    bool closed() const { return fd_ < 0; }
    bool idle() const { return queue_.empty() && out_.empty(); }
    const std::string &peer() const { return peer_; }

    bool flushScheduled = false;  // owned by Server's pending-write list

private:
    void readInput();
    // Frames and handles requests from `input`; returns the bytes used.
    size_t process(std::string_view input);
    void handle(FramedRequest &req);
    // Goes to a database now (not answered or queued here) while
    // leader-first commands are in flight, and cannot join them.
    bool waitsForLeader(const FramedRequest &req) const;
    // read: the request is a read (command_table.hpp, isRead).
    void forward(std::string_view resp, bool read = false);
    // A write: through the journal to every database (Server::fanOutWrite).
    void forwardWrite(const FramedRequest &req, const CommandSpec *spec);
    // A read for one database (read_router.hpp); false when none is Ready.
    bool forwardRead(std::string_view resp, bool cursor);
    // SCRIPT KILL / FUNCTION KILL: past the busy script, on control connections.
    void control(std::string_view resp);
    void handleMulti(FramedRequest &req, int kind);
    // Answers, as Redis would, a command Redis refuses before running or
    // queuing it (unknown, wrong argument count); true if it did.
    bool refusedLikeRedis(const FramedRequest &req, CommandKind kind);
    void reply(std::string_view resp);
    void moveReadyReplies();
    // Past --client-max-output, writes at once rather than before the loop
    // sleeps: the bound is for what the client leaves unread.
    void writeIfOverOutputBound();
    void updateInterest();
    void resumeIfPossible();
    // Handles the requests already buffered, then any OpenSSL holds.
    void takeBufferedInput();
    // Tells the server's ClientMemory what the buffers hold now.
    void trackMemory();

    Server &server_;
    std::unique_ptr<ConnStream> stream_;  // all socket I/O goes through it
    int fd_;                              // stream_->fd() while open, -1 once closed
    std::string peer_;
    RequestFramer framer_;
    ByteBuffer in_;   // unconsumed input (a partial request, or requests not yet taken)
    ByteBuffer out_;  // replies not yet written
    std::deque<FanoutRequest *> queue_;  // requests in arrival order, answered from the front
    uint64_t partialSinceMs_ = 0;        // a half-received request started (for --client-timeout)
    uint64_t bytesWritten_ = 0;          // reply bytes written to the socket, ever
    size_t trackedBytes_ = 0;            // bufferedBytes() as last told to ClientMemory
    bool activeSinceSweep_ = true;       // read or wrote since the janitor's last sweep
    bool readPaused_ = false;            // too many requests in flight: backpressure
    bool heldForLeader_ = false;         // waits for a leader-first command (leader_first.hpp)
    bool stopReading_ = false;           // QUIT, protocol error, -c, shutdown
    bool closeWhenDone_ = false;
    bool wantWrite_ = false;
    uint32_t interest_ = 0;
    // MULTI ... EXEC: the commands are kept here and sent on EXEC.
    bool inMulti_ = false;
    bool multiDirty_ = false;
    bool multiLeaderFirst_ = false;  // the transaction holds a leader-first command
    size_t multiBytes_ = 0;
    std::vector<std::string> multi_;
};

}  // namespace dbsync
