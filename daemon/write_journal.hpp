// The journal as the fan-out uses it (docs/design.md, "The journal"): every
// write gets a sequence number and is appended, in the form the databases
// get it, before any database or client sees it; each database's applied
// marker says where its replay starts; records retire once every database
// applied them; a database that falls past the bounds is diverged.
//
// The storage (segment files, records, recovery) is journal.hpp; this class
// adds what dbsyncd keeps on top: the instance id that names the marker key,
// the runs (each start of dbsyncd begins a run at a sequence number far past
// the last one, so a marker a database holds from writes the journal lost is
// recognised), and the decision, for each database that connects, of where
// it resumes.
//
// Why runs: a database's marker can be ahead of the journal when the journal
// lost its tail (power loss with --journal-fsync everysec or no, flipped
// bytes truncated at open). New writes numbered from the journal's head
// would reuse those numbers and the marker would then claim writes the
// database never got. Numbering each run from past a gap of 2^32 keeps
// every marker unambiguous: one in a run's gap means the database holds
// writes lost from the journal.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "journal.hpp"
#include "journal_state.hpp"

namespace dbsync {

// How the last reply of an outbox entry becomes the request's reply.
enum class ReplyShape : uint8_t {
    AsIs,            // the reply itself
    FirstOfExec,     // MULTI cmd SET-marker EXEC: the command's reply (its queued error if EXEC aborted)
    ExecWithoutLast, // a client's MULTI ... SET-marker EXEC: EXEC's array without the marker's reply
};

// One write as every database gets it: the client's own bytes when they go
// as they came (borrowed, valid while the request is handled), else bytes
// built here (owned).
struct OutgoingWrite {
    std::string_view borrowed;
    std::string owned;
    std::string_view bytes() const { return owned.empty() ? borrowed : std::string_view(owned); }
    uint64_t seq = 0;      // 0: not journaled
    uint32_t replies = 1;  // replies the bytes draw
    ReplyShape shape = ReplyShape::AsIs;
};

// Writes that are not journaled (--no-journal, or too large for a record):
// `commands` back to back in one entry, or `inner` between MULTI and EXEC.
OutgoingWrite unjournaledSequence(const std::vector<std::string> &commands);
OutgoingWrite unjournaledTransaction(const std::vector<std::string> &inner);

class WriteJournal {
public:
    struct Config {
        JournalOptions storage;
        uint64_t maxBytes;    // --journal-max-bytes
        uint64_t maxAgeMs;    // --journal-max-age
        size_t catchupInflight;
    };

    // Opens the storage and the state, and begins a new run (saved before
    // returning, so no write of this run is numbered before it is durable).
    bool open(const Config &config, std::string &error);

    const Config &config() const { return config_; }
    Journal &storage() { return storage_; }
    const Journal &storage() const { return storage_; }
    const std::string &instance() const { return state_.instance; }
    const std::string &markerKey() const { return markerKey_; }
    // "SET <marker> <seq>" in RESP.
    std::string markerCommand(uint64_t seq) const;

    // A single write; `plain` when it replays safely (replay_safety.hpp),
    // else it is sent inside MULTI ... EXEC with its marker.
    OutgoingWrite single(std::string_view resp, bool plain, uint64_t nowMs);
    // A client's transaction: `commands` are what came between MULTI and
    // EXEC; the marker goes in before EXEC.
    OutgoingWrite transaction(const std::vector<std::string> &commands, uint64_t nowMs);
    // A leader-first command for its leader (leader_first.hpp): inside
    // MULTI ... EXEC with the marker of the next record past `ahead` others
    // in flight, which is not appended here: its effect, appended once the
    // leader answered, is.
    OutgoingWrite onLeader(std::string_view resp, uint64_t ahead = 0) const;
    // The same for a transaction holding leader-first commands: `commands`
    // are what came between MULTI and EXEC; the marker goes in before EXEC.
    OutgoingWrite onLeaderTransaction(const std::vector<std::string> &commands, uint64_t ahead) const;
    // The record onLeader() numbered, as the marker alone: when the leader
    // changed nothing, or (inDoubt, kJournalInDoubt) its reply was lost;
    // then the marker it sets names the last record before it that is not
    // in doubt.
    OutgoingWrite markerRecord(uint64_t seq, bool inDoubt, uint64_t nowMs);
    // Record `seq` is a marker in doubt: a database holding that marker
    // applied a leader-first command whose effect the others never got.
    bool inDoubt(uint64_t seq) const;

    // Where a database that connected resumes, from the marker it holds;
    // `applied`: the last write dbsyncd saw it apply, in this run or before.
    struct Resume {
        enum class Kind { From, Diverged } kind;
        uint64_t applied = 0;  // From: replay starts after this
        std::string why;       // Diverged
    };
    Resume resume(const std::string &database, bool markerPresent, uint64_t marker, uint64_t applied);
    // A replay reader found no record at `seq`: the next seq to read from
    // when the hole is a run's gap (nothing there was ever written), else 0.
    uint64_t acrossRunGap(uint64_t seq) const;
    // The first record a database at `applied` needs, past any run gaps.
    uint64_t firstNeeded(uint64_t applied) const;
    // A marker in the current run's gap was seen: databases that resumed
    // below it lack writes the journal lost. 0 when none.
    uint64_t aheadMarker() const { return aheadMarker_; }

    // Remembered across restarts: what each database applied, and whether
    // it is diverged (with the marker it had then, so a database resynced
    // since, whose marker moved, is recognised).
    uint64_t knownApplied(const std::string &database) const;
    void noteDatabase(const std::string &database, uint64_t applied, bool diverged, uint64_t divergedMarker);
    // Retires records every database still in service applied; saves the
    // state about once a second.
    void retire(uint64_t upTo, uint64_t nowMs);
    bool saveState(std::string &error);
    // The write `seq` reached no database (none took it live): it is taken
    // back out of the journal, so an error to the client means it was
    // applied nowhere and never will be.
    void withdraw(uint64_t seq) { storage_.withdraw(seq); }

    // Records in the journal past `applied`, and how much and how old they are.
    uint64_t entriesAfter(uint64_t applied) const;
    uint64_t bytesAfter(uint64_t applied) const { return storage_.bytesAfter(applied); }
    uint64_t secondsBehind(uint64_t applied, uint64_t nowMs) const;
    // Past --journal-max-bytes or --journal-max-age for a database at `applied`.
    bool pastBounds(uint64_t applied, uint64_t nowMs, std::string &why) const;

    uint64_t runBase() const { return runBase_; }

private:
    void wrap(std::string &out, std::string_view inner, uint64_t seq) const;
    // MULTI, `commands`, the marker of `seq`, EXEC (numbered `seq`, not appended).
    OutgoingWrite wrapTransaction(const std::vector<std::string> &commands, uint64_t seq) const;

    Config config_{};
    Journal storage_;
    JournalState state_;
    std::string markerKey_;
    uint64_t openHead_ = 0;   // the journal's head when this run began
    uint64_t runBase_ = 0;    // this run's records are numbered from runBase_ + 1
    uint64_t lastSure_ = 0;   // the last record appended that is not in doubt (markerRecord)
    uint64_t aheadMarker_ = 0;
    uint64_t lastSaveMs_ = 0;
};

}  // namespace dbsync
