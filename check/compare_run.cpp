#include "compare_run.hpp"

namespace dbsync::check {

namespace {

std::vector<std::string> scanPage(DbLink &db, const CheckOptions &opts, std::string &cursor) {
    std::vector<std::string_view> args = {"SCAN", cursor};
    std::string count = std::to_string(opts.count);
    if (!opts.match.empty()) args.insert(args.end(), {"MATCH", opts.match});
    args.insert(args.end(), {"COUNT", count});
    if (!opts.type.empty()) args.insert(args.end(), {"TYPE", opts.type});
    Reply r = db.command(args);
    if (isError(r.get())) throw LinkError(db.where() + ": SCAN failed: " + std::string(replyText(r.get())));
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[1]->type != REDIS_REPLY_ARRAY)
        throw LinkError(db.where() + ": SCAN: unexpected reply");
    cursor = std::string(replyText(r->element[0]));
    std::vector<std::string> keys;
    const redisReply *page = r->element[1];
    for (size_t i = 0; i < page->elements; i++) {
        std::string key(replyText(page->element[i]));
        if (!opts.skipPrefix.empty() && key.compare(0, opts.skipPrefix.size(), opts.skipPrefix) == 0) continue;
        keys.push_back(std::move(key));
    }
    return keys;
}

std::vector<Divergence> judgeBatch(const CheckOptions &opts, const std::vector<std::string> &keys,
                                   std::vector<std::vector<KeyState>> &states) {
    std::vector<Divergence> out;
    for (size_t k = 0; k < keys.size(); k++) {
        Verdict v = judge(states[k], opts.ttlToleranceMs, opts.source);
        if (v.divergent) out.push_back(Divergence{keys[k], std::move(v), std::move(states[k])});
    }
    return out;
}

}  // namespace

std::vector<Divergence> recheck(const CheckOptions &opts, KeyFetcher &fetcher, const std::vector<std::string> &keys) {
    std::vector<Divergence> still;
    for (size_t start = 0; start < keys.size(); start += opts.count) {
        std::vector<std::string> batch(keys.begin() + start, keys.begin() + std::min(keys.size(), start + opts.count));
        auto states = fetcher.fetch(batch, false);
        for (Divergence &d : judgeBatch(opts, batch, states)) still.push_back(std::move(d));
    }
    return still;
}

void compareDatabases(const CheckOptions &opts, std::vector<std::unique_ptr<DbLink>> &links, KeyFetcher &fetcher,
                      Pace &pace, CheckReport &report) {
    std::vector<Divergence> suspects;
    for (size_t d = 0; d < links.size(); d++) {
        std::string cursor = "0";
        do {
            std::vector<std::string> keys = scanPage(*links[d], opts, cursor);
            const size_t listed = keys.size();
            if (d > 0 && !keys.empty()) {
                // A key an earlier database's SCAN listed was compared then.
                std::vector<bool> seen = fetcher.listedBefore(keys, d, opts.type);
                std::vector<std::string> fresh;
                for (size_t i = 0; i < keys.size(); i++)
                    if (!seen[i]) fresh.push_back(std::move(keys[i]));
                keys.swap(fresh);
            }
            if (!keys.empty()) {
                auto states = fetcher.fetch(keys, false);
                for (Divergence &dv : judgeBatch(opts, keys, states)) suspects.push_back(std::move(dv));
            }
            report.keysCompared += keys.size();
            pace.advance(listed, keys.size());
        } while (cursor != "0");
    }
    report.scanSeconds = pace.seconds();
    // Later rounds: only what differed, after a pause long enough for a write
    // in flight through dbsyncd to reach every database.
    for (unsigned round = 2; round <= opts.rounds && !suspects.empty(); round++) {
        sleepMs(opts.roundDelayMs);
        std::vector<std::string> keys;
        for (const Divergence &dv : suspects) keys.push_back(dv.key);
        suspects = recheck(opts, fetcher, keys);
    }
    report.divergent = std::move(suspects);
}

}  // namespace dbsync::check
