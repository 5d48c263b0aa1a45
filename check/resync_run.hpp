// dbsync-check --resync dbN: brings a diverged database back into service
// while writes go on, through Redis's own replication and dbsyncd's journal
// (docs/operations.md, "A diverged database"):
//
//   1. DBSYNC RESYNC dbN BEGIN: dbsyncd's journal stops retiring writes;
//   2. the database becomes a replica of a healthy one (REPLICAOF), which
//      replaces its data with that one's, applied marker included, and
//      keeps it in step with the writes that one takes meanwhile;
//   3. once the link is up and the replica has the source's replication
//      offset of that moment, it is promoted (REPLICAOF NO ONE);
//   4. DBSYNC RESYNC dbN END: dbsyncd reads the marker it now holds and
//      replays the journal from there; it is in service once caught up.
//
// Replication stops at any point between two writes, so what the database
// holds past its marker is what the journal replays again: plain
// assignments only, which change nothing the second time (the same rule as
// after a crash, daemon/replay_safety.hpp). Any failure after step 1
// promotes the database back and sends ABORT: it stays diverged.
#pragma once

#include "check_options.hpp"
#include "dbsyncd_link.hpp"

namespace dbsync::check {

// The exit status: 0 resynced and in service, 2 could not. `daemon` is the
// --from-dbsyncd link the database list came through.
int resyncDatabase(const CheckOptions &opts, DbsyncdLink &daemon);

}  // namespace dbsync::check
