// Leader-first commands (leader_effect.hpp) on their way: the command runs
// on one database, the leader, and once it has answered, its effect is
// journaled and goes to the others (docs/design.md, "Leader-first commands").
//
// Every database must get the writes in one order, and the effect must take
// the command's place in it. So while the leader has not answered, no
// client's next command is taken: each client that has one waits here, and
// they go on, in the order they came, before the loop next sleeps. At most
// one leader-first command is in flight, and the wait is bounded by the
// leader's reply timeout (--db-timeout).
//
// With a journal the leader runs the command inside MULTI with the applied
// marker of the record its effect will have: the next sequence number, kept
// for it (nothing else is journaled meanwhile). Whatever the leader answers,
// that record is written, so no other write can take its number: the
// effect, or only the marker when the leader changed nothing or failed.
// A leader whose reply was lost may have applied the command while its
// effect is unknown: that record is marked in doubt, and a database whose
// marker names it when it reconnects is diverged.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "leader_effect.hpp"
#include "request_framer.hpp"

namespace dbsync {

class ClientConn;
class DatabaseBackend;
class FanoutRequest;
class Server;

class LeaderFirst {
public:
    explicit LeaderFirst(Server &server) : server_(server) {}

    // A leader-first command awaits its leader: clients wait.
    bool holding() const { return inFlight_; }
    // `client` has a command to handle and waits; resumed by resumeHeld().
    void hold(ClientConn *client) { waiting_.push_back(client); }
    // `client` is being freed.
    void forget(ClientConn *client);
    // Runs `request` (a `which` command) on the leader for `req`.
    void run(FanoutRequest *req, const FramedRequest &request, LeaderCommand which);
    // Before the loop sleeps: once the leader answered (or failed), the
    // clients that waited go on, until one of them starts the next
    // leader-first command. True if any did.
    bool resumeHeld();

    // From the request (fanout.cpp): the leader's reply, or its failure.
    void leaderAnswered(FanoutRequest *req, std::string_view reply, bool isError);
    void leaderFailed(FanoutRequest *req, bool mayHaveApplied);

private:
    // Journals the marker alone as the record the leader's marker names,
    // unless a record took that number already, and gives it to the other
    // databases that are live (the journal brings it to the rest).
    // `inDoubt`: the leader may have applied the command (kJournalInDoubt).
    void sendMarkerOnly(bool inDoubt);

    Server &server_;
    bool inFlight_ = false;
    bool answered_ = false;   // the leader answered or failed: resumeHeld() may go on
    LeaderCommand which_ = LeaderCommand::None;
    std::vector<std::string> args_;  // the command's arguments, for its effect
    size_t leader_ = 0;              // index in Server::databases()
    uint64_t seq_ = 0;               // the record the leader's marker names (0: no journal)
    std::deque<ClientConn *> waiting_;
};

}  // namespace dbsync
