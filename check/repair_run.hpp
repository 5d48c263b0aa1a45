// --repair: writes the majority's (or --source's) value to the databases
// that differ, each write guarded on its target so a newer live write wins.
#pragma once

#include <memory>
#include <vector>

#include "check_options.hpp"
#include "check_report.hpp"
#include "key_fetch.hpp"

namespace dbsync::check {

// The test hook: when this environment variable names a file, the tool
// creates that file once the state to repair from has been read, and waits
// (up to 60 s) until the file is removed before writing anything. Only the
// tests set it: they change a key in that window to check the live write wins.
inline constexpr const char *kPauseBeforeRepairEnv = "DBSYNC_CHECK_TEST_PAUSE_BEFORE_REPAIR";

// Fills report.repairs for every key in report.divergent. Throws LinkError.
void repairDatabases(const CheckOptions &opts, std::vector<std::unique_ptr<DbLink>> &links, KeyFetcher &fetcher,
                     CheckReport &report);

}  // namespace dbsync::check
