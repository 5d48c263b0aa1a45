#include "leader_first.hpp"

#include <algorithm>
#include <ctime>

#include "client_conn.hpp"
#include "command_rewrite.hpp"
#include "database_backend.hpp"
#include "fanout.hpp"
#include "log.hpp"
#include "server.hpp"

namespace dbsync {
namespace {

uint64_t wallMs() { return static_cast<uint64_t>(time(nullptr)) * 1000; }

// The effect as it goes without a journal record.
OutgoingWrite unjournaled(const LeaderEffect &effect) {
    if (!effect.inner.empty()) return unjournaledTransaction(effect.inner);
    OutgoingWrite w;
    w.owned = effect.resp;
    return w;
}

}  // namespace

void LeaderFirst::forget(ClientConn *client) { std::erase(waiting_, client); }

bool LeaderFirst::mayJoin(LeaderCommand which) const {
    if (runs_.empty() || !waiting_.empty() || runsAlone(which) || runsAlone(runs_.back().which)) return false;
    const DatabaseBackend &leader = *server_.databases()[leader_];
    return leader.serving() && leader.pending() + 1 < server_.options().dbMaxPending;
}

LeaderFirst::Run *LeaderFirst::begin(FanoutRequest *req, LeaderCommand which) {
    auto &dbs = server_.databases();
    if (runs_.empty()) {
        // The first database in -d order that takes writes now: the same
        // one while it stays up.
        leader_ = 0;
        while (leader_ < dbs.size() && !dbs[leader_]->serving()) leader_++;
        if (leader_ == dbs.size()) {
            // Nothing is journaled: the command is applied nowhere.
            for (auto &db : dbs)
                req->onNotSent(db->name() + ": no database is up to run " + leaderCommandName(which) + " on first");
            return nullptr;
        }
    }
    return &runs_.emplace_back(Run{req, which, {}, 0, wallClockMs()});
}

void LeaderFirst::launch(Run &run, const OutgoingWrite &w) {
    run.seq = w.seq;
    server_.stats().leaderFirst++;
    run.req->leadBy(this);
    server_.databases()[leader_]->sendWrite(run.req, w);
}

void LeaderFirst::run(FanoutRequest *req, const FramedRequest &request, LeaderCommand which) {
    req->retain();
    if (Run *r = begin(req, which)) {
        forEachArgument(request.resp, [&](std::string_view a) {
            r->args.emplace_back(a);
            return true;
        });
        req->describe(r->args[0], leaderCommandKey(which, r->args));
        OutgoingWrite w;
        if (WriteJournal *journal = server_.journal()) w = journal->onLeader(request.resp, runs_.size() - 1);
        else w.borrowed = request.resp;
        launch(*r, w);
    }
    req->release();
}

void LeaderFirst::runTransaction(FanoutRequest *req, const std::vector<std::string> &multi) {
    req->retain();
    req->describe("EXEC", "");
    if (Run *r = begin(req, LeaderCommand::Transaction)) {
        r->args.assign(multi.begin() + 1, multi.end() - 1);
        WriteJournal *journal = server_.journal();
        launch(*r, journal ? journal->onLeaderTransaction(r->args, runs_.size() - 1) : unjournaledSequence(multi));
    }
    req->release();
}

bool LeaderFirst::resumeHeld() {
    bool resumed = false;
    // A resumed client may start the next leader-first command: the
    // others wait on, in their order.
    while (runs_.empty() && !waiting_.empty()) {
        ClientConn *client = waiting_.front();
        waiting_.pop_front();
        client->resumeAfterLeader();
        resumed = true;
    }
    return resumed;
}

LeaderFirst::Run LeaderFirst::take(const FanoutRequest *req) {
    auto it = std::find_if(runs_.begin(), runs_.end(), [req](const Run &r) { return r.req == req; });
    Run run = std::move(*it);
    if (it != runs_.begin()) {
        // The leader answers in order, so this cannot be; were it so, its
        // record number could not be written in order: never reused, the
        // others would find a hole there and be diverged, not misled.
        LOG_ERROR("leader-first: an outcome for a command that is not the oldest in flight (%zu in flight)",
                  runs_.size());
        run.seq = 0;
    }
    runs_.erase(it);
    return run;
}

void LeaderFirst::leaderAnswered(FanoutRequest *req, std::string_view reply, bool isError) {
    Run run = take(req);
    auto &dbs = server_.databases();
    LeaderEffect effect;
    if (isError) {
        // Refused (or EXECABORT), as every database would have.
    } else if (run.which == LeaderCommand::Transaction) {
        effect = transactionEffect(run.args, reply, run.timeMs);
    } else {
        effect = leaderEffect(run.which, run.args, reply, run.timeMs);
    }
    if (effect.empty()) {
        // The leader changed nothing (or refused the command, as every
        // database would have): the others stand where it stands.
        sendMarkerOnly(run, false);
        req->countLikeLeader(dbs.size() - 1, isError);
        return;
    }
    OutgoingWrite w;
    bool tooLarge = false;
    if (run.seq) {
        WriteJournal *journal = server_.journal();
        w = effect.inner.empty() ? journal->single(effect.resp, effect.plain, wallMs())
                                 : journal->transaction(effect.inner, wallMs());
        if (w.seq == 0) {
            // Larger than a journal record may be: the databases up get it
            // now, and the marker alone keeps the record's number.
            tooLarge = true;
            w = unjournaled(effect);
            sendMarkerOnly(run, false);
        } else if (w.seq != run.seq) {
            LOG_ERROR("leader-first %s: its effect was journaled as record %llu, its leader's marker names %llu",
                      leaderCommandName(run.which), static_cast<unsigned long long>(w.seq),
                      static_cast<unsigned long long>(run.seq));
        }
    } else {
        w = unjournaled(effect);
    }
    for (size_t i = 0; i < dbs.size(); i++) {
        if (i == leader_) continue;
        if (tooLarge && !dbs[i]->serving()) {
            dbs[i]->diverge(std::string("it missed the effect of a ") + leaderCommandName(run.which) +
                            " too large for a journal record (--max-request-bytes)");
            req->onNotSent(dbs[i]->name() + ": diverged");
            continue;
        }
        dbs[i]->sendWrite(req, w);
    }
    if (!effect.fixup.empty()) sendFixup(run, effect.fixup);
}

void LeaderFirst::sendFixup(const Run &run, const std::vector<std::string> &fixup) {
    OutgoingWrite w;
    if (WriteJournal *journal = server_.journal()) {
        w = journal->transaction(fixup, wallMs());
        if (w.seq == 0)
            LOG_WARN("leader-first %s: its delivery times, too large for a journal record (--max-request-bytes), "
                     "go only to the databases up",
                     leaderCommandName(run.which));
    }
    if (w.seq == 0) w = unjournaledSequence(fixup);
    for (auto &db : server_.databases()) db->sendRecord(w);
}

void LeaderFirst::leaderFailed(FanoutRequest *req, bool mayHaveApplied) {
    Run run = take(req);
    auto &dbs = server_.databases();
    sendMarkerOnly(run, mayHaveApplied);
    std::string why = std::string(": not sent, ") + leaderCommandName(run.which) + " runs on " + dbs[leader_]->name() +
                      " first, and failed there";
    for (size_t i = 0; i < dbs.size(); i++)
        if (i != leader_) req->onNotSent(dbs[i]->name() + why);
}

void LeaderFirst::sendMarkerOnly(const Run &run, bool inDoubt) {
    WriteJournal *journal = server_.journal();
    if (!run.seq || !journal || journal->storage().head() >= run.seq) return;
    OutgoingWrite w = journal->markerRecord(run.seq, inDoubt, wallMs());
    auto &dbs = server_.databases();
    for (size_t i = 0; i < dbs.size(); i++)
        if (i != leader_) dbs[i]->sendRecord(w, inDoubt);
}

}  // namespace dbsync
