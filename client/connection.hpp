// One client connection to one server (a dbsyncd or a bare redis-server).
//
// The connection is a small state machine driven by the fan-out loop:
// Closed -> Connecting (non-blocking connect) -> Handshaking (TLS) ->
// Open. Each call queues one or more complete RESP requests (a pipeline,
// written in one go) with begin(), the loop polls pollEvents() and calls
// onReady(), and end() closes the call.
//
// Replies are matched to requests by counting, never by guessing: RESP
// replies come back in request order, so a connection that still owes
// replies to earlier calls (the call returned on another server's answer,
// ack=one) reads and drops exactly that many replies before the next one is
// handed out. A connection that has owed a reply for longer than the call
// timeout is considered stalled and is closed instead of queueing more.
// Bytes that follow the reply of the last request still in flight were not
// asked for (two replies in one read, SUBSCRIBE's second confirmation): the
// call fails and the connection is closed, so they never answer a later
// call. In a pipeline an extra reply may have come anywhere before the last
// one, shifting every reply after it onto the wrong request, so then none
// of the call's replies from this server is kept.
//
// "Never sent twice": a reused connection is checked before use (a peer that
// closed it, or sent something unasked, makes it unusable) and reconnected.
// If it fails while not a single byte of the current request has gone out,
// it is reconnected once and the request sent on the new connection; once
// any byte may have reached the server, the failure is reported instead.
#pragma once

#include "common/address.hpp"
#include "client/reply.hpp"
#include "client/reply_reader.hpp"
#include "client/stream.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/types.h>
#include <vector>

namespace dbsync {

using Clock = std::chrono::steady_clock;

class ClientConnection {
public:
    explicit ClientConnection(Address address);
    ~ClientConnection();
    ClientConnection(const ClientConnection &) = delete;
    ClientConnection &operator=(const ClientConnection &) = delete;

    const Address &address() const { return address_; }
    const std::string &name() const { return name_; }

    // --- one call ---------------------------------------------------------
    enum class Outcome { Pending, Replied, Failed };

    // Queues `requests` (`count` >= 1 complete RESP commands, back to back)
    // for this call: checks a reused connection, connects if needed and
    // tries to send at once. The call is Replied once all `count` replies
    // are in; Failed keeps the replies that came before the failure.
    void begin(std::string_view requests, size_t count, const StreamConfig &config, Clock::time_point now,
               Clock::time_point deadline);

    Outcome outcome() const { return outcome_; }
    // Replies of this call so far, in request order.
    const std::vector<Reply> &replies() const { return replies_; }
    Reply takeReply(size_t i) { return std::move(replies_[i]); }
    const std::string &error() const { return error_; }
    // True once any byte of this call's requests may have reached the server.
    bool requestsTouched() const { return currentRequestTouched(); }
    Clock::time_point finishedAt() const { return finishedAt_; }

    // poll() events this connection waits for; 0 when it waits for nothing.
    short pollEvents() const;
    // The descriptor to poll; valid whenever pollEvents() != 0.
    int pollFd() const { return state_ == State::Connecting ? connectingFd_ : stream_ ? stream_->fd() : -1; }
    bool hasBufferedInput() const;
    // Makes progress after poll() reported `revents` (may be 0 for buffered input).
    void onReady(short revents);

    // The call is over. A reply still outstanding is dropped later when the
    // call only returned early (ack met); when the deadline passed the
    // server is unresponsive and the connection is closed.
    void end(bool deadlinePassed, int timeoutMs);

    // --- lifetime ---------------------------------------------------------
    void close();
    bool isOpen() const { return state_ == State::Open; }
    // Replies of earlier calls still to be read and dropped.
    size_t owed() const { return owed_; }

private:
    enum class State { Closed, Connecting, Handshaking, Open };

    bool resolve(std::string &error);
    void startConnect();
    void tryNextAddress(const std::string &why);
    void connected();
    void handshake();
    void flush();
    void readSome();
    void drainAvailable();
    // An I/O failure during a call: reconnect-and-send if the rule allows, else fail.
    void ioFailed(const std::string &why);
    void fail(const std::string &why);
    void setOutcome(Outcome o);
    bool currentRequestTouched() const { return sentThisCall_ > queuedBefore_; }

    Address address_;
    std::string name_;
    State state_ = State::Closed;
    std::unique_ptr<ClientStream> stream_;
    int connectingFd_ = -1;
    StreamConfig config_;
    pid_t pid_ = 0;  // process that owns the socket (fork safety)

    struct SockAddr {
        sockaddr_storage addr;
        socklen_t len;
    };
    std::vector<SockAddr> addrs_;
    size_t addrIndex_ = 0;
    std::string lastConnectError_;
    Clock::time_point connectDeadline_{};

    ReplyReader reader_;
    std::string out_;      // bytes queued for the server; out_[outOff_..] not yet sent
    size_t outOff_ = 0;
    short writeWants_ = 0;  // POLLOUT, or POLLIN when a TLS write needs a read
    short handshakeWants_ = 0;

    size_t owed_ = 0;  // replies of earlier calls to drop
    Clock::time_point owedSince_{};

    // Current call.
    Outcome outcome_ = Outcome::Failed;
    bool awaiting_ = false;
    bool reused_ = false;
    bool retried_ = false;
    size_t queuedBefore_ = 0;  // unsent bytes of earlier requests ahead of ours
    size_t sentThisCall_ = 0;
    Clock::time_point started_{};
    Clock::time_point deadline_{};
    Clock::time_point finishedAt_{};
    size_t expected_ = 0;  // replies this call waits for
    std::vector<Reply> replies_;
    std::string error_;
};

}  // namespace dbsync
