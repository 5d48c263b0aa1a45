#include "leader_first.hpp"

#include <algorithm>
#include <ctime>

#include "client_conn.hpp"
#include "database_backend.hpp"
#include "fanout.hpp"
#include "log.hpp"
#include "server.hpp"

namespace dbsync {
namespace {

const char *commandName(LeaderCommand which) { return which == LeaderCommand::Spop ? "SPOP" : "XADD"; }

uint64_t wallMs() { return static_cast<uint64_t>(time(nullptr)) * 1000; }

}  // namespace

void LeaderFirst::forget(ClientConn *client) { std::erase(waiting_, client); }

void LeaderFirst::run(FanoutRequest *req, const FramedRequest &request, LeaderCommand which) {
    auto &dbs = server_.databases();
    req->retain();
    req->describe(request.args[0], request.args[1]);
    // The first database in -d order that takes writes now: the same one
    // while it stays up.
    size_t leader = 0;
    while (leader < dbs.size() && !dbs[leader]->serving()) leader++;
    if (leader == dbs.size()) {
        // Nothing is journaled: the command is applied nowhere.
        for (auto &db : dbs)
            req->onNotSent(db->name() + ": no database is up to run " + commandName(which) + " on first");
        req->release();
        return;
    }
    inFlight_ = true;
    answered_ = false;
    which_ = which;
    leader_ = leader;
    args_.clear();
    forEachArgument(request.resp, [&](std::string_view a) {
        args_.emplace_back(a);
        return true;
    });
    OutgoingWrite w;
    if (WriteJournal *journal = server_.journal()) w = journal->onLeader(request.resp);
    else w.borrowed = request.resp;
    seq_ = w.seq;
    server_.stats().leaderFirst++;
    req->leadBy(this);
    dbs[leader]->sendWrite(req, w);
    req->release();
}

bool LeaderFirst::resumeHeld() {
    if (!inFlight_ || !answered_) return false;
    inFlight_ = false;
    bool resumed = false;
    // A resumed client may start the next leader-first command: the
    // others wait on, in their order.
    while (!inFlight_ && !waiting_.empty()) {
        ClientConn *client = waiting_.front();
        waiting_.pop_front();
        client->resumeAfterLeader();
        resumed = true;
    }
    return resumed;
}

void LeaderFirst::leaderAnswered(FanoutRequest *req, std::string_view reply, bool isError) {
    answered_ = true;
    auto &dbs = server_.databases();
    LeaderEffect effect = isError ? LeaderEffect{} : leaderEffect(which_, args_, reply);
    if (effect.resp.empty()) {
        // The leader changed nothing (or refused the command, as every
        // database would have): the others stand where it stands.
        sendMarkerOnly(false);
        req->countLikeLeader(dbs.size() - 1, isError);
        return;
    }
    OutgoingWrite w;
    bool tooLarge = false;
    if (seq_) {
        w = server_.journal()->single(effect.resp, effect.plain, wallMs());
        if (w.seq == 0) {
            // Larger than a journal record may be: the databases up get it
            // now, and the marker alone keeps the record's number.
            tooLarge = true;
            w = OutgoingWrite{};
            w.owned = effect.resp;
            sendMarkerOnly(false);
        } else if (w.seq != seq_) {
            LOG_ERROR("leader-first %s: its effect was journaled as record %llu, its leader's marker names %llu",
                      commandName(which_), static_cast<unsigned long long>(w.seq),
                      static_cast<unsigned long long>(seq_));
        }
    } else {
        w.owned = effect.resp;
    }
    for (size_t i = 0; i < dbs.size(); i++) {
        if (i == leader_) continue;
        if (tooLarge && !dbs[i]->serving()) {
            dbs[i]->diverge(std::string("it missed the effect of a ") + commandName(which_) +
                            " too large for a journal record (--max-request-bytes)");
            req->onNotSent(dbs[i]->name() + ": diverged");
            continue;
        }
        dbs[i]->sendWrite(req, w);
    }
}

void LeaderFirst::leaderFailed(FanoutRequest *req, bool mayHaveApplied) {
    answered_ = true;
    auto &dbs = server_.databases();
    sendMarkerOnly(mayHaveApplied);
    std::string why = std::string(": not sent, ") + commandName(which_) + " runs on " + dbs[leader_]->name() +
                      " first, and failed there";
    for (size_t i = 0; i < dbs.size(); i++)
        if (i != leader_) req->onNotSent(dbs[i]->name() + why);
}

void LeaderFirst::sendMarkerOnly(bool inDoubt) {
    WriteJournal *journal = server_.journal();
    if (!seq_ || !journal || journal->storage().head() >= seq_) return;
    OutgoingWrite w = journal->markerRecord(seq_, inDoubt, wallMs());
    auto &dbs = server_.databases();
    for (size_t i = 0; i < dbs.size(); i++)
        if (i != leader_) dbs[i]->sendMarkerRecord(w, inDoubt);
}

}  // namespace dbsync
