#include "write_journal.hpp"

#include <algorithm>

#include "journal_reader.hpp"
#include "log.hpp"
#include "resp_writer.hpp"

namespace dbsync {
namespace {

constexpr uint64_t kRunGap = uint64_t{1} << 32;
// Runs remembered: enough for any database still in the journal to cross
// every gap it meets; older ones lie before the journal's first record.
constexpr size_t kRunsKept = 64;
constexpr uint64_t kStateSaveMs = 1000;

const char kMulti[] = "*1\r\n$5\r\nMULTI\r\n";
const char kExec[] = "*1\r\n$4\r\nEXEC\r\n";

}  // namespace

OutgoingWrite unjournaledSequence(const std::vector<std::string> &commands) {
    OutgoingWrite w;
    for (const auto &c : commands) w.owned += c;
    w.replies = static_cast<uint32_t>(commands.size());
    return w;
}

OutgoingWrite unjournaledTransaction(const std::vector<std::string> &inner) {
    OutgoingWrite w;
    w.owned = kMulti;
    for (const auto &c : inner) w.owned += c;
    w.owned += kExec;
    w.replies = static_cast<uint32_t>(inner.size()) + 2;
    return w;
}

bool WriteJournal::open(const Config &config, std::string &error) {
    config_ = config;
    if (!storage_.open(config.storage, error)) return false;
    if (!loadJournalState(config.storage.dir, state_, error)) return false;
    markerKey_ = "dbsync:applied:" + state_.instance;
    openHead_ = std::max(storage_.head(), state_.head);
    runBase_ = openHead_ + kRunGap;
    lastSure_ = openHead_;
    storage_.setNextSeq(runBase_ + 1);
    state_.runs.emplace_back(openHead_, runBase_);
    if (state_.runs.size() > kRunsKept) state_.runs.erase(state_.runs.begin());
    state_.head = runBase_;
    if (!saveState(error)) return false;
    if (storage_.truncatedRecords() > 0)
        LOG_WARN("journal %s: %llu records dropped at open (see above); a database holding any of them is diverged",
                 storage_.dir().c_str(), static_cast<unsigned long long>(storage_.truncatedRecords()));
    return true;
}

std::string WriteJournal::markerCommand(uint64_t seq) const {
    std::string out;
    std::string n = std::to_string(seq);
    resp::appendCommand(out, std::vector<std::string_view>{"SET", markerKey_, n});
    return out;
}

void WriteJournal::wrap(std::string &out, std::string_view inner, uint64_t seq) const {
    out.reserve(inner.size() + 96 + markerKey_.size());
    out.append(kMulti);
    out.append(inner);
    out.append(markerCommand(seq));
    out.append(kExec);
}

OutgoingWrite WriteJournal::single(std::string_view resp, bool plain, uint64_t nowMs) {
    OutgoingWrite w;
    uint64_t seq = storage_.head() + 1;
    if (plain) {
        w.borrowed = resp;
    } else {
        wrap(w.owned, resp, seq);
        w.replies = 4;
        w.shape = ReplyShape::FirstOfExec;
    }
    w.seq = storage_.append(w.bytes(), plain ? 0 : kJournalAtomic, nowMs);
    if (w.seq) lastSure_ = w.seq;
    return w;
}

OutgoingWrite WriteJournal::onLeader(std::string_view resp, uint64_t ahead) const {
    OutgoingWrite w;
    w.seq = storage_.head() + 1 + ahead;
    wrap(w.owned, resp, w.seq);
    w.replies = 4;
    w.shape = ReplyShape::FirstOfExec;
    return w;
}

OutgoingWrite WriteJournal::onLeaderTransaction(const std::vector<std::string> &commands, uint64_t ahead) const {
    return wrapTransaction(commands, storage_.head() + 1 + ahead);
}

OutgoingWrite WriteJournal::markerRecord(uint64_t seq, bool inDoubt, uint64_t nowMs) {
    OutgoingWrite w;
    // In doubt, the marker names the last record before that is not: a
    // database holding `seq` as its marker then got it from the leader-first
    // command alone.
    w.owned = markerCommand(inDoubt ? lastSure_ : seq);
    w.seq = storage_.append(w.owned, inDoubt ? kJournalInDoubt : 0, nowMs);
    if (!inDoubt && w.seq) lastSure_ = w.seq;
    return w;
}

bool WriteJournal::inDoubt(uint64_t seq) const {
    if (seq < storage_.firstSeq() || seq > storage_.head()) return false;
    JournalReader reader(storage_, seq);
    JournalRecord rec;
    return reader.next(rec) == JournalReader::Result::Record && rec.seq == seq && (rec.flags & kJournalInDoubt);
}

OutgoingWrite WriteJournal::wrapTransaction(const std::vector<std::string> &commands, uint64_t seq) const {
    OutgoingWrite w;
    std::string inner;
    for (const auto &c : commands) inner += c;
    wrap(w.owned, inner, seq);
    w.replies = static_cast<uint32_t>(commands.size()) + 3;
    w.shape = ReplyShape::ExecWithoutLast;
    w.seq = seq;
    return w;
}

OutgoingWrite WriteJournal::transaction(const std::vector<std::string> &commands, uint64_t nowMs) {
    OutgoingWrite w = wrapTransaction(commands, storage_.head() + 1);
    w.seq = storage_.append(w.bytes(), kJournalTransaction, nowMs);
    if (w.seq) lastSure_ = w.seq;
    return w;
}

WriteJournal::Resume WriteJournal::resume(const std::string &database, bool present, uint64_t marker,
                                          uint64_t applied) {
    auto known = state_.databases.find(database);
    const JournalState::Database *was = known == state_.databases.end() ? nullptr : &known->second;
    std::string m = present ? std::to_string(marker) : std::string("none");
    if (was && was->diverged) {
        // Still as it was when it diverged: not resynced since.
        if (!present || marker == was->divergedMarker)
            return {Resume::Kind::Diverged, 0, "diverged before this start, and not resynced since (marker " + m + ")"};
    }
    if (!present) {
        if (applied > 0 || (was && was->applied > 0))
            return {Resume::Kind::Diverged, 0,
                    "it has no applied marker but had applied writes: it restarted empty or lost its data"};
        // A database new to this journal: it can take the journal's whole
        // history only if nothing was ever retired.
        if (state_.retired == 0) return {Resume::Kind::From, storage_.firstSeq() - 1, ""};
        return {Resume::Kind::Diverged, 0, "it has no applied marker, and the journal no longer holds every write"};
    }
    if (marker > runBase_) {
        if (marker <= storage_.head()) return {Resume::Kind::From, marker, ""};
        return {Resume::Kind::Diverged, 0, "its marker " + m + " is past every write this journal numbered"};
    }
    if (marker > openHead_) {
        // Writes the journal lost: this database holds them, no other can
        // get them. It resumes with this run's writes; those below it are
        // diverged (Server checks aheadMarker()).
        aheadMarker_ = std::max(aheadMarker_, marker);
        LOG_ERROR("database %s holds writes the journal lost (marker %s, journal head at start %llu)",
                  database.c_str(), m.c_str(), static_cast<unsigned long long>(openHead_));
        // Kept, so a database that has not connected yet is judged by it
        // even if dbsyncd stops before it does, and one holding it is known
        // in a later run too (the runs loop below).
        if (marker > state_.ahead) {
            state_.ahead = marker;
            std::string error;
            if (!saveState(error)) LOG_ERROR("journal: cannot save its state: %s", error.c_str());
        }
        return {Resume::Kind::From, runBase_, ""};
    }
    for (const auto &run : state_.runs) {
        if (marker <= run.first || marker >= run.second) continue;
        // The marker of the writes an earlier run's journal lost, which
        // only the database that held them has (or a copy resynced from
        // it): it got no write since, or its marker would have moved, and
        // goes on from the run that followed.
        if (marker == state_.ahead) return {Resume::Kind::From, run.second, ""};
        return {Resume::Kind::Diverged, 0, "its marker " + m + " names writes an earlier run lost"};
    }
    if (std::max(aheadMarker_, state_.ahead) > marker)
        return {Resume::Kind::Diverged, 0, "it lacks writes the journal lost, which another database holds"};
    if (firstNeeded(marker) < storage_.firstSeq())
        return {Resume::Kind::Diverged, 0,
                "it applied up to " + m + " and the journal begins at " + std::to_string(storage_.firstSeq())};
    return {Resume::Kind::From, marker, ""};
}

uint64_t WriteJournal::firstNeeded(uint64_t applied) const {
    uint64_t next = applied + 1;
    // Runs that wrote nothing follow each other gap after gap.
    for (uint64_t across = acrossRunGap(next); across; across = acrossRunGap(next)) next = across;
    return next;
}

uint64_t WriteJournal::acrossRunGap(uint64_t seq) const {
    for (const auto &run : state_.runs)
        if (seq == run.first + 1) return run.second + 1;
    return 0;
}

uint64_t WriteJournal::knownApplied(const std::string &database) const {
    auto it = state_.databases.find(database);
    return it == state_.databases.end() ? 0 : it->second.applied;
}

void WriteJournal::noteDatabase(const std::string &database, uint64_t applied, bool diverged, uint64_t divergedMarker) {
    JournalState::Database &d = state_.databases[database];
    if (!diverged) d.applied = std::max(d.applied, applied);
    d.diverged = diverged;
    d.divergedMarker = divergedMarker;
}

void WriteJournal::retire(uint64_t upTo, uint64_t nowMs) {
    if (upTo > state_.retired && upTo >= storage_.firstSeq()) state_.retired = upTo;
    storage_.retire(upTo);
    if (nowMs - lastSaveMs_ < kStateSaveMs) return;
    lastSaveMs_ = nowMs;
    state_.head = std::max(state_.head, storage_.head());
    std::string error;
    if (!saveState(error)) LOG_ERROR("journal: cannot save its state: %s", error.c_str());
}

bool WriteJournal::saveState(std::string &error) {
    return saveJournalState(config_.storage.dir, state_, error);
}

uint64_t WriteJournal::entriesAfter(uint64_t applied) const {
    uint64_t head = storage_.head();
    if (head <= applied) return 0;
    // The runs' gaps hold nothing.
    uint64_t n = head - applied;
    for (const auto &run : state_.runs)
        if (run.first >= applied && run.second <= head) n -= run.second - run.first;
    return n;
}

uint64_t WriteJournal::secondsBehind(uint64_t applied, uint64_t nowMs) const {
    uint64_t oldest = storage_.oldestTimeAfter(applied);
    return oldest && nowMs > oldest ? (nowMs - oldest) / 1000 : 0;
}

bool WriteJournal::pastBounds(uint64_t applied, uint64_t nowMs, std::string &why) const {
    uint64_t bytes = storage_.bytesAfter(applied);
    if (bytes > config_.maxBytes) {
        why = "it is " + std::to_string(bytes) + " journal bytes behind (--journal-max-bytes " +
              std::to_string(config_.maxBytes) + ")";
        return true;
    }
    uint64_t oldest = storage_.oldestTimeAfter(applied);
    if (oldest && nowMs > oldest && nowMs - oldest > config_.maxAgeMs) {
        why = "it is " + std::to_string((nowMs - oldest) / 1000) + " s behind (--journal-max-age " +
              std::to_string(config_.maxAgeMs / 1000) + ")";
        return true;
    }
    return false;
}

}  // namespace dbsync
