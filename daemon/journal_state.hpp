// The journal's small state file, dir/state: who this dbsyncd is (the id
// that names its applied-marker key in the databases) and how far each
// database got, so that after a restart replay starts where it stopped.
//
// Text, one item a line, so an operator can read it:
//
//   instance 1f2e3d4c5b6a7988
//   head 123
//   database 127.0.0.1:6380/0 applied 100 diverged 0
//
// Saved atomically: written to dir/state.tmp, fsynced, renamed over
// dir/state, and the directory fsynced, so a crash leaves the old file or
// the new one, never a mix.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dbsync {

struct JournalState {
    std::string instance;   // random 16 hex chars made at first start; names the applied
                            // marker key in the databases: dbsync:applied:<instance>
    uint64_t head = 0;      // highest seq ever appended, as of the last save
    struct Database {
        uint64_t applied = 0;
        bool diverged = false;
        uint64_t divergedMarker = 0;  // its marker when it diverged: one that moved since was resynced
    };
    std::map<std::string, Database> databases;
    uint64_t retired = 0;  // highest seq ever retired (0: the journal still holds every write it took)
    // The highest marker seen of writes the journal lost (0: none): every
    // database below it lacks them, in this run or any later one, also one
    // that had not connected yet when it was seen.
    uint64_t ahead = 0;
    // Each start of dbsyncd: the journal's head then, and the seq its run
    // numbers from (write_journal.hpp, "Why runs"), oldest first.
    std::vector<std::pair<uint64_t, uint64_t>> runs;  // by database display name (e.g. 127.0.0.1:6380/0)
};

// Loads dir/state; a missing file gives a fresh state with a new instance id
// (not saved yet). A malformed file is an error (naming file and line), not
// silently replaced.
bool loadJournalState(const std::string &dir, JournalState &st, std::string &error);
// Writes dir/state.tmp, fsyncs, renames over dir/state, fsyncs dir. Names
// must be non-empty without whitespace, the instance 16 lowercase hex chars.
bool saveJournalState(const std::string &dir, const JournalState &st, std::string &error);
// A new instance id: 8 random bytes (getrandom) as 16 hex chars; empty if
// the kernel gives none.
std::string newJournalInstance();

}  // namespace dbsync
