// DBSYNC RESYNC dbN BEGIN|END|ABORT: dbsyncd's part in bringing a diverged
// database back (docs/operations.md, "A diverged database"). The copy
// itself is made by Redis's replication, driven by dbsync-check --resync:
//
//   BEGIN  the database must be diverged; until END or ABORT the journal
//          retires nothing, so every write from the copy's start on stays
//          available;
//   (dbsync-check: REPLICAOF a healthy database, wait until in sync,
//          REPLICAOF NO ONE: it now holds that one's data and marker)
//   END    it leaves the diverged state, reconnects, reads its marker and
//          catches up from the journal like any database that was away;
//   ABORT  the copy failed: it stays diverged.
#pragma once

#include <string>
#include <vector>

namespace dbsync {

class Server;

// The RESP reply to DBSYNC RESYNC with these arguments (after RESYNC).
std::string resyncCommand(Server &server, const std::vector<std::string> &args);

}  // namespace dbsync
