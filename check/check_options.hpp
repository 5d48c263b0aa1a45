// dbsync-check's command line: which databases, what to compare, how fast,
// and whether to repair. Every bound has a flag and a default here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "options.hpp"  // DatabaseSpec and parseDatabase: the same -d syntax as dbsyncd

namespace dbsync::check {

struct CheckOptions {
    std::vector<DatabaseSpec> databases;  // -d, merged with --from-dbsyncd's list
    std::string fromDbsyncd;              // --from-dbsyncd HOST:PORT (empty: not given)
    // How dbsync-check talks to that dbsyncd when it runs with --pubkey (TLS
    // 1.3 only): the php.ini keys dbsync.signkey, dbsync.server_pubkey and
    // dbsync.server_verify = 0, as flags (check/dbsyncd_link.hpp).
    std::string signkey;                  // --signkey FILE: private key; empty: plain text
    std::string serverPubkey;             // --server-pubkey FILE|sha256:...: dbsyncd's key
    bool serverVerify = true;             // --no-server-verify: any server will do
    std::string match;                    // --match PATTERN (SCAN MATCH); empty: every key
    std::string type;                     // --type TYPE (SCAN TYPE); empty: every type
    std::string skipPrefix = "dbsync:";   // --skip-prefix: dbsyncd's bookkeeping keys
    size_t count = 1000;                  // --count: SCAN COUNT, and keys per pipelined batch
    uint64_t ttlToleranceMs = 0;          // --ttl-tolerance
    unsigned rounds = 3;                  // --rounds: checks of a key before it is divergent
    uint64_t roundDelayMs = 200;          // --round-delay: pause between rounds
    uint64_t rate = 0;                    // --rate: keys per second, 0 = unlimited
    uint64_t timeoutMs = 5000;            // --timeout: connect and reply timeout per database (and dbsyncd)
    size_t chunk = 1000;                  // --chunk: elements per read when values are compared by content
    bool json = false;                    // --json
    bool repair = false;                  // --repair
    bool dryRun = false;                  // --dry-run (with --repair)
    int source = -1;                      // --source dbN; -1: the majority
    bool quiet = false;                   // --quiet: no progress line even on a terminal
    int resync = -1;                      // --resync dbN: make a diverged database a copy again; -1: no
    uint64_t resyncTimeoutS = 3600;       // --resync-timeout: the copy and the catch-up after it
};

enum class ParseResult { Run, ExitOk, ExitUsage };

// Parses argv. --help/--version print to stdout; a usage error prints one
// line naming the flag to stderr. The database list may still be empty
// here when --from-dbsyncd is given (it is filled in by main).
ParseResult parseCheckOptions(int argc, char **argv, CheckOptions &opts);

// "db3" -> 3; false for anything else.
bool parseDbName(const std::string &text, int &index);

}  // namespace dbsync::check
