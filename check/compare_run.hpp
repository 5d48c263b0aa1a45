// The comparison: every database's SCAN in turn (the union of their keys,
// each key compared once), then the keys that differed re-checked over
// --rounds so that a write still in flight is not reported.
#pragma once

#include <string>
#include <vector>

#include "check_options.hpp"
#include "check_report.hpp"
#include "key_fetch.hpp"
#include "pace.hpp"

namespace dbsync::check {

// Fills report.keysCompared and report.divergent. Throws LinkError.
void compareDatabases(const CheckOptions &opts, std::vector<std::unique_ptr<DbLink>> &links, KeyFetcher &fetcher,
                      Pace &pace, CheckReport &report);

// Judges a batch of keys again; returns those still divergent (states as read now).
std::vector<Divergence> recheck(const CheckOptions &opts, KeyFetcher &fetcher, const std::vector<std::string> &keys);

}  // namespace dbsync::check
