// Leader-first commands (leader_effect.hpp) on their way: the command runs
// on one database, the leader, and once it has answered, its effect is
// journaled and goes to the others (docs/design.md, "Leader-first commands").
//
// Every database must get the writes in one order, and the effect must take
// the command's place in it. So while the leader has not answered, no
// client's next command that goes to a database is taken: each client that
// has one waits here, and they go on, in the order they came, before the
// loop next sleeps; the wait is bounded by the leader's reply timeout
// (--db-timeout). Leader-first commands that come meanwhile join the ones
// in flight (pipelined to the leader, their effects in the same order)
// while no other command waits.
//
// With a journal the leader runs the command inside MULTI with the applied
// marker of the record its effect will have: the next sequence number past
// those in flight, kept for it (nothing else is journaled meanwhile). Whatever the leader answers,
// that record is written, so no other write can take its number: the
// effect, or only the marker when the leader changed nothing or failed.
// A leader whose reply was lost may have applied the command while its
// effect is unknown: that record is marked in doubt, and a database whose
// marker names it when it reconnects is diverged.
//
// A fix-up (XREADGROUP's and XAUTOCLAIM's delivery times) is the next
// record, for every database: the leader gets it after its reply, so such
// a command runs alone, with nothing behind it on the leader.
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
struct OutgoingWrite;
class Server;

class LeaderFirst {
public:
    explicit LeaderFirst(Server &server) : server_(server) {}

    // Leader-first commands await their leader: clients wait.
    bool holding() const { return !runs_.empty(); }
    // Another leader-first command may go to the leader behind those in
    // flight, in order, instead of waiting: while no client waits (so the
    // others are never starved), the leader takes writes with room in its
    // outbox (--db-max-pending), and neither it nor those in flight runs
    // alone (leader_effect.hpp).
    bool mayJoin(LeaderCommand which) const;
    // `client` has a command to handle and waits; resumed by resumeHeld().
    void hold(ClientConn *client) { waiting_.push_back(client); }
    // `client` is being freed.
    void forget(ClientConn *client);
    // Runs `request` (a `which` command) on the leader for `req`.
    void run(FanoutRequest *req, const FramedRequest &request, LeaderCommand which);
    // Runs a transaction holding leader-first commands (`multi`: MULTI, the
    // commands, EXEC) on the leader for `req`; the others get each one's
    // effect inside one MULTI ... EXEC.
    void runTransaction(FanoutRequest *req, const std::vector<std::string> &multi);
    // Before the loop sleeps: once every leader-first command in flight
    // was answered (or failed), the clients that waited go on, until one of
    // them starts the next one. True if any did.
    bool resumeHeld();

    // From the request (fanout.cpp): the leader's reply, or its failure.
    void leaderAnswered(FanoutRequest *req, std::string_view reply, bool isError);
    void leaderFailed(FanoutRequest *req, bool mayHaveApplied);

private:
    struct Run {
        FanoutRequest *req;
        LeaderCommand which;
        std::vector<std::string> args;  // the command's arguments, for its effect (a transaction's commands)
        uint64_t seq;                   // the record the leader's marker names (0: no journal)
        int64_t timeMs;                 // dbsyncd's wall clock when it came
    };
    // A new run for `req`, the leader picked if none is in flight; null
    // when no database is up (the request learns it).
    Run *begin(FanoutRequest *req, LeaderCommand which);
    // Sends the run's command, `w`, to the leader.
    void launch(Run &run, const OutgoingWrite &w);
    // Takes the run of `req` out: the oldest, as the leader answers in order.
    Run take(const FanoutRequest *req);
    // Journals the marker alone as the oldest run's record and gives it to
    // the other databases that are live (the journal brings it to the
    // rest). `inDoubt`: the leader may have applied the command
    // (kJournalInDoubt).
    void sendMarkerOnly(const Run &run, bool inDoubt);
    // The effect's fix-up, to every database (the journal brings it to
    // those not live).
    void sendFixup(const Run &run, const std::vector<std::string> &fixup);

    Server &server_;
    std::deque<Run> runs_;   // in flight, oldest first; each record number one past the last
    size_t leader_ = 0;      // index in Server::databases(), for every run in flight
    std::deque<ClientConn *> waiting_;
};

}  // namespace dbsync
