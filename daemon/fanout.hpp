// One client command on its way to every database, and the ack policy
// that decides when and with what the client is answered.
//
// Life cycle: the client creates it and holds one reference; each database
// the command is handed to holds another until it answers or fails. The
// client is answered as soon as the policy is decided (with `one`, the first
// success), but the request lives on until every database has answered, so
// late replies are still counted and compared (divergence).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ack_tally.hpp"

namespace dbsync {

class ClientConn;
class DatabaseBackend;
class LeaderFirst;
class ReadRouter;
struct Stats;

class FanoutRequest {
public:
    // n: databases the command goes to. A request with n == 0 holds a reply
    // known at once (local answers queued behind forwarded ones).
    FanoutRequest(ClientConn *client, AckPolicy policy, size_t n, Stats &stats);

    static FanoutRequest *withLocalReply(ClientConn *client, std::string_view reply, Stats &stats);

    // A database answered: `reply` is the RESP it sent, exactly (valid
    // only during the call); `isError` for an error reply.
    void onReply(std::string_view reply, bool isError);
    // A database never got the command (down, over a bound, AUTH/SELECT
    // refused): known not applied there. `why` names it.
    void onNotSent(const std::string &why);
    // A database got the command, and its reply was lost (timed out,
    // connection dropped): it may or may not have applied it.
    void onOutcomeUnknown(const std::string &why);

    // A read (command_table.hpp, isRead). Its failure does not mark a
    // database as having missed writes (DatabaseBackend::missedWrites).
    void markRead() { read_ = true; }
    bool isRead() const { return read_; }
    // Sends a read to one database (the request has n == 1). If that
    // database fails it (not sent, outcome unknown, timed out), it is sent
    // once more, to the database `router` picks then, excluding this one: a
    // read changes nothing, so it is safe to repeat; the bytes are kept
    // for that until the read is answered.
    void sendRead(ReadRouter &router, bool cursor, DatabaseBackend &db, std::string_view resp);

    bool decided() const { return decided_; }
    const std::string &reply() const { return reply_; }
    // Bytes of databases' replies kept to decide the answer (the first
    // success, the first error); nothing once decided.
    size_t keptReplyBytes() const { return success_.size() + error_.size(); }

    // What the command was, for the log line if the databases answer it
    // differently: its name and first key, cut short.
    void describe(std::string_view name, std::string_view key);

    // A leader-first command (leader_first.hpp): the first outcome is the
    // leader's, and `leader` hears of it; the replies after it answer the
    // effect, so they count for --ack but are not compared with it.
    void leadBy(LeaderFirst *leader) { leader_ = leader; }
    // `k` databases need no effect: they count as the leader did.
    void countLikeLeader(size_t k, bool isError);

    // The client is gone: keep counting replies, answer nobody.
    void detachClient() { client_ = nullptr; }

    void retain() { refs_++; }
    void release();

    // One request per command: their memory is recycled through a free
    // list instead of going back to malloc each time (see fanout.cpp).
    static void *operator new(size_t size);
    static void operator delete(void *p) noexcept;

private:
    ~FanoutRequest() = default;
    void maybeDecide();
    // The leader to tell of this outcome, once: the first one.
    LeaderFirst *takeLeader();
    void logDivergence();
    // sendRead's second try; true if it was sent elsewhere.
    bool retryRead();

    ClientConn *client_;
    Stats &stats_;
    AckPolicy policy_;
    AckTally tally_;
    uint32_t refs_ = 1;  // the client's reference
    bool decided_ = false;
    bool divergent_ = false;
    bool haveFingerprint_ = false;
    bool read_ = false;
    bool cursor_ = false;     // a cursor read (isCursorRead): routed as such on the retry too
    bool retried_ = false;
    bool effectPhase_ = false;  // leader-first: the leader's outcome is in
    bool leaderError_ = false;  // leader-first: the leader answered with an error
    LeaderFirst *leader_ = nullptr;  // leader-first: told of the leader's outcome
    ReadRouter *router_ = nullptr;  // set by sendRead
    DatabaseBackend *sentTo_ = nullptr;
    std::string resend_;      // the read's bytes, until it is answered or retried
    uint64_t fingerprint_ = 0;
    std::string success_;     // first successful reply, the bytes a database sent
    std::string error_;       // first error reply from a database, the bytes it sent
    std::string notSent_;     // why the first database that never got it did not
    std::string unknown_;     // why the first lost reply was lost
    std::string reply_;       // what the client gets, once decided
    char what_[48];           // describe(): "SET user:42" as sent, not NUL-terminated
    uint8_t whatLen_ = 0;
};

}  // namespace dbsync
