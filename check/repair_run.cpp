#include "repair_run.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

#include "pace.hpp"

namespace dbsync::check {

namespace {

// Runs on the target, atomically: the write happens only if the key is
// still what was compared (the SHA-1 of its DUMP and its expiry, or its
// absence). Anything else is a write that arrived since: it wins, 0 is returned.
// KEYS[1] the key; ARGV[1] SHA-1 of the DUMP compared, '' when it was missing;
// ARGV[2] its PEXPIRETIME; ARGV[3] 'restore' or 'del'; ARGV[4] ttl (absolute
// ms, 0 for none) and ARGV[5] the payload, for RESTORE.
const char kGuardedWrite[] =
    "local now = redis.call('DUMP', KEYS[1])\n"
    "if ARGV[1] == '' then\n"
    "  if now then return 0 end\n"
    "else\n"
    "  if not now or redis.sha1hex(now) ~= ARGV[1] then return 0 end\n"
    "  if redis.call('PEXPIRETIME', KEYS[1]) ~= tonumber(ARGV[2]) then return 0 end\n"
    "end\n"
    "if ARGV[3] == 'del' then\n"
    "  redis.call('DEL', KEYS[1])\n"
    "else\n"
    "  redis.call('RESTORE', KEYS[1], ARGV[4], ARGV[5], 'ABSTTL', 'REPLACE')\n"
    "end\n"
    "return 1\n";

bool unchanged(const KeyState &a, const KeyState &b) {
    return a.exists == b.exists && (!a.exists || (a.type == b.type && a.fingerprint == b.fingerprint &&
                                                  a.expireAtMs == b.expireAtMs));
}

void pauseForTests() {
    const char *path = std::getenv(kPauseBeforeRepairEnv);
    if (!path || !*path) return;
    if (std::FILE *f = std::fopen(path, "w")) std::fclose(f);
    std::fprintf(stderr, "dbsync-check: test hook %s: paused before repair until %s is removed\n",
                 kPauseBeforeRepairEnv, path);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (access(path, F_OK) == 0 && std::chrono::steady_clock::now() < deadline) sleepMs(10);
}

struct Planned {
    size_t result;  // index in report.repairs
    int source;
    std::vector<int> targets;
    std::vector<KeyState> states;  // the snapshot
};

}  // namespace

void repairDatabases(const CheckOptions &opts, std::vector<std::unique_ptr<DbLink>> &links, KeyFetcher &fetcher,
                     CheckReport &report) {
    bool paused = false;
    std::vector<size_t> decidable;
    for (size_t i = 0; i < report.divergent.size(); i++) {
        const Divergence &d = report.divergent[i];
        if (d.verdict.hasMajority) {
            decidable.push_back(i);
            continue;
        }
        report.repairs.push_back({d.key, "no-majority", {},
                                  "the databases disagree without a majority: name the one to copy from with --source dbN"});
    }
    for (size_t start = 0; start < decidable.size(); start += opts.count) {
        std::vector<std::string> keys;
        for (size_t i = start; i < decidable.size() && i < start + opts.count; i++)
            keys.push_back(report.divergent[decidable[i]].key);
        // The state to repair from, read again with the DUMP payloads: only
        // if it is still what the last round compared.
        auto snapshot = fetcher.fetch(keys, true);
        std::vector<Planned> plans;
        for (size_t k = 0; k < keys.size(); k++) {
            const Divergence &d = report.divergent[decidable[start + k]];
            RepairResult rr{d.key, "", {}, ""};
            for (size_t db = 0; db < links.size(); db++)
                if (!unchanged(snapshot[k][db], d.states[db]))
                    rr.detail += (rr.detail.empty() ? "" : ", ") + links[db]->label() + " changed since it was compared";
            if (!rr.detail.empty()) {
                rr.outcome = "changed";
                report.repairs.push_back(std::move(rr));
                continue;
            }
            Planned p{report.repairs.size(), d.verdict.reference, {}, std::move(snapshot[k])};
            const KeyState &src = p.states[p.source];
            for (size_t db = 0; db < d.verdict.differs.size(); db++) {
                if (d.verdict.differs[db].empty()) continue;
                p.targets.push_back(static_cast<int>(db));
                rr.actions.push_back(links[db]->label() + ": " +
                                     (src.exists ? "restore from " + links[p.source]->label() : "delete"));
            }
            rr.outcome = opts.dryRun ? "would-repair" : "repaired";
            report.repairs.push_back(std::move(rr));
            plans.push_back(std::move(p));
        }
        if (opts.dryRun || plans.empty()) continue;
        if (!paused) {
            pauseForTests();
            paused = true;
        }
        for (const Planned &p : plans) {
            const KeyState &src = p.states[p.source];
            const std::string &key = report.repairs[p.result].key;
            std::string ttl = std::to_string(src.expireAtMs < 0 ? 0 : src.expireAtMs);
            for (int t : p.targets) {
                const KeyState &now = p.states[t];
                std::string expire = std::to_string(now.expireAtMs);
                if (src.exists)
                    links[t]->append({"EVAL", kGuardedWrite, "1", key, now.exists ? now.dumpSha : "", expire, "restore",
                                      ttl, src.dump});
                else
                    links[t]->append({"EVAL", kGuardedWrite, "1", key, now.exists ? now.dumpSha : "", expire, "del"});
            }
        }
        for (auto &l : links) l->flush();
        // Replies come back per database in the order the writes were queued.
        for (size_t db = 0; db < links.size(); db++) {
            for (const Planned &p : plans) {
                bool target = false;
                for (int t : p.targets) target = target || t == static_cast<int>(db);
                if (!target) continue;
                RepairResult &rr = report.repairs[p.result];
                Reply r = links[db]->next();
                std::string why;
                if (isError(r.get())) {
                    why = links[db]->label() + ": " + std::string(replyText(r.get()));
                    rr.outcome = "failed";
                } else if (r->type != REDIS_REPLY_INTEGER || r->integer != 1) {
                    why = links[db]->label() + " changed since it was compared (the newer write was kept)";
                    if (rr.outcome != "failed") rr.outcome = "changed";
                }
                if (!why.empty()) rr.detail += (rr.detail.empty() ? "" : ", ") + why;
            }
        }
    }
}

}  // namespace dbsync::check
