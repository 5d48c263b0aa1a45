#include "key_verdict.hpp"

namespace dbsync::check {

namespace {

bool sameExpiry(int64_t a, int64_t b, uint64_t tolerance) {
    if (a < 0 || b < 0) return a == b;
    uint64_t diff = a > b ? static_cast<uint64_t>(a - b) : static_cast<uint64_t>(b - a);
    return diff <= tolerance;
}

}  // namespace

bool sameState(const KeyState &a, const KeyState &b, uint64_t ttlToleranceMs) {
    if (a.exists != b.exists) return false;
    if (!a.exists) return true;
    return a.type == b.type && a.fingerprint == b.fingerprint && sameExpiry(a.expireAtMs, b.expireAtMs, ttlToleranceMs);
}

Verdict judge(const std::vector<KeyState> &states, uint64_t ttlToleranceMs, int source) {
    Verdict v;
    const int n = static_cast<int>(states.size());
    v.differs.assign(states.size(), {});
    // Groups of databases in the same state, each compared with its first member.
    std::vector<std::vector<int>> groups;
    for (int i = 0; i < n; i++) {
        bool placed = false;
        for (auto &g : groups)
            if (sameState(states[g.front()], states[i], ttlToleranceMs)) {
                g.push_back(i);
                placed = true;
                break;
            }
        if (!placed) groups.push_back({i});
    }
    if (groups.size() <= 1) {
        v.hasMajority = true;
        for (int i = 0; i < n; i++) v.agree.push_back(i);
        v.reference = 0;
        v.type = n ? states[0].type : "";
        return v;
    }
    v.divergent = true;
    const std::vector<int> *ref = nullptr;
    if (source >= 0 && source < n) {
        for (auto &g : groups)
            for (int i : g)
                if (i == source) ref = &g;
        v.hasMajority = true;
    } else {
        for (auto &g : groups)
            if (2 * g.size() > states.size()) ref = &g;
        v.hasMajority = ref != nullptr;
    }
    if (ref) {
        v.agree = *ref;
    } else {
        // No majority: describe the others against the first database that
        // holds the key, which only names the differences, it decides nothing.
        for (auto &g : groups)
            if (states[g.front()].exists) {
                ref = &g;
                break;
            }
        if (!ref) ref = &groups.front();
    }
    v.reference = ref->front();
    const KeyState &r = states[v.reference];
    v.type = r.exists ? r.type : "none";
    if (!r.exists)
        for (const KeyState &s : states)
            if (s.exists) {
                v.type = s.type;
                break;
            }
    for (int i = 0; i < n; i++) {
        const KeyState &s = states[i];
        if (sameState(r, s, ttlToleranceMs)) continue;
        auto &d = v.differs[i];
        if (!s.exists) {
            d.push_back("missing");
        } else if (!r.exists) {
            d.push_back("extra");
        } else if (s.type != r.type) {
            d.push_back("type");
        } else {
            if (s.fingerprint != r.fingerprint) d.push_back("value");
            if (!sameExpiry(s.expireAtMs, r.expireAtMs, ttlToleranceMs)) d.push_back("ttl");
        }
    }
    return v;
}

}  // namespace dbsync::check
