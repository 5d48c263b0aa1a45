#include "check_report.hpp"

namespace dbsync::check {

namespace {

std::string dbName(int i) { return "db" + std::to_string(i); }

std::string joinDbs(const std::vector<int> &dbs) {
    std::string s;
    for (int d : dbs) s += (s.empty() ? "" : ",") + dbName(d);
    return s.empty() ? "none" : s;
}

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not one.
size_t utf8Length(const std::string &s, size_t i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (size_t j = 1; j < n; j++)
        if ((static_cast<unsigned char>(s[i + j]) >> 6) != 2) return 0;
    return n;
}

}  // namespace

std::vector<uint64_t> CheckReport::missingPerDatabase() const {
    std::vector<uint64_t> missing(databases.size(), 0);
    for (const Divergence &d : divergent)
        for (size_t i = 0; i < d.states.size() && i < missing.size(); i++)
            if (!d.states[i].exists) missing[i]++;
    return missing;
}

uint64_t CheckReport::count(const std::string &outcome) const {
    uint64_t n = 0;
    for (const RepairResult &r : repairs) n += r.outcome == outcome;
    return n;
}

std::string quoteKey(const std::string &key) {
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (unsigned char c : key) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                out += "\\x";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

std::string jsonString(const std::string &text) {
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (size_t i = 0; i < text.size();) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        size_t n = utf8Length(text, i);
        if (n > 1) {
            out.append(text, i, n);
            i += n;
            continue;
        }
        if (c == '"') out += "\\\"";
        else if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c < 0x20 || c >= 0x7f) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else out += static_cast<char>(c);
        i++;
    }
    return out + "\"";
}

void printText(std::FILE *out, const CheckReport &r) {
    for (const Divergence &d : r.divergent) {
        const Verdict &v = d.verdict;
        std::string line = "DIVERGENT " + quoteKey(d.key) + " type=" + v.type + " agree=" + joinDbs(v.agree);
        for (size_t i = 0; i < v.differs.size(); i++) {
            if (v.differs[i].empty()) continue;
            line += " " + dbName(static_cast<int>(i)) + "=";
            for (size_t j = 0; j < v.differs[i].size(); j++) line += (j ? "," : "") + v.differs[i][j];
        }
        if (!v.hasMajority) line += " (no majority; compared with " + dbName(v.reference) + ")";
        std::fprintf(out, "%s\n", line.c_str());
    }
    for (const RepairResult &rr : r.repairs) {
        std::string line = rr.outcome == "would-repair" ? "WOULD-REPAIR " : rr.outcome == "repaired" ? "REPAIRED " : "NOT-REPAIRED ";
        line += quoteKey(rr.key);
        for (const std::string &a : rr.actions) line += " [" + a + "]";
        if (rr.outcome != "repaired" && rr.outcome != "would-repair") line += " " + rr.outcome;
        if (!rr.detail.empty()) line += ": " + rr.detail;
        std::fprintf(out, "%s\n", line.c_str());
    }
    std::string missing;
    std::vector<uint64_t> m = r.missingPerDatabase();
    for (size_t i = 0; i < m.size(); i++) missing += " " + dbName(static_cast<int>(i)) + "=" + std::to_string(m[i]);
    double rate = r.scanSeconds > 0 ? r.keysCompared / r.scanSeconds : 0;
    std::fprintf(out, "summary: %llu keys compared, %zu divergent, missing:%s, %.2f s (%.0f keys/s, values by %s)\n",
                 static_cast<unsigned long long>(r.keysCompared), r.divergent.size(), missing.c_str(), r.seconds, rate,
                 r.valueMode.c_str());
    if (r.repair)
        std::fprintf(out, "repair%s: %llu %s, %llu changed since compared (left alone), %llu without majority, %llu failed\n",
                     r.dryRun ? " (dry run)" : "",
                     static_cast<unsigned long long>(r.count(r.dryRun ? "would-repair" : "repaired")),
                     r.dryRun ? "would be repaired" : "repaired", static_cast<unsigned long long>(r.count("changed")),
                     static_cast<unsigned long long>(r.count("no-majority")),
                     static_cast<unsigned long long>(r.count("failed")));
}

void printJson(std::FILE *out, const CheckReport &r) {
    std::string s = "{\"databases\":[";
    for (size_t i = 0; i < r.databases.size(); i++) s += (i ? "," : "") + jsonString(r.databases[i]);
    s += "],\"values_compared_by\":" + jsonString(r.valueMode);
    s += ",\"keys_compared\":" + std::to_string(r.keysCompared);
    s += ",\"divergent_count\":" + std::to_string(r.divergent.size());
    s += ",\"divergent\":[";
    for (size_t k = 0; k < r.divergent.size(); k++) {
        const Divergence &d = r.divergent[k];
        const Verdict &v = d.verdict;
        s += k ? "," : "";
        s += "{\"key\":" + jsonString(d.key) + ",\"type\":" + jsonString(v.type) + ",\"majority\":" +
             (v.hasMajority ? "true" : "false") + ",\"agree\":[";
        for (size_t i = 0; i < v.agree.size(); i++) s += (i ? "," : "") + jsonString(dbName(v.agree[i]));
        s += "],\"reference\":" + jsonString(dbName(v.reference)) + ",\"differs\":{";
        bool first = true;
        for (size_t i = 0; i < v.differs.size(); i++) {
            if (v.differs[i].empty()) continue;
            s += (first ? "" : ",") + jsonString(dbName(static_cast<int>(i))) + ":[";
            first = false;
            for (size_t j = 0; j < v.differs[i].size(); j++) s += (j ? "," : "") + jsonString(v.differs[i][j]);
            s += "]";
        }
        s += "}}";
    }
    s += "],\"missing\":{";
    std::vector<uint64_t> m = r.missingPerDatabase();
    for (size_t i = 0; i < m.size(); i++) s += (i ? "," : "") + jsonString(dbName(static_cast<int>(i))) + ":" + std::to_string(m[i]);
    char secs[64];
    std::snprintf(secs, sizeof secs, "%.3f", r.seconds);
    s += "},\"seconds\":" + std::string(secs);
    std::snprintf(secs, sizeof secs, "%.3f", r.scanSeconds);
    s += ",\"scan_seconds\":" + std::string(secs);
    if (r.repair) {
        s += ",\"repair\":{\"dry_run\":" + std::string(r.dryRun ? "true" : "false") + ",\"keys\":[";
        for (size_t i = 0; i < r.repairs.size(); i++) {
            const RepairResult &rr = r.repairs[i];
            s += (i ? "," : "") + std::string("{\"key\":") + jsonString(rr.key) + ",\"outcome\":" + jsonString(rr.outcome) +
                 ",\"actions\":[";
            for (size_t j = 0; j < rr.actions.size(); j++) s += (j ? "," : "") + jsonString(rr.actions[j]);
            s += "],\"detail\":" + jsonString(rr.detail) + "}";
        }
        s += "]";
        for (const char *o : {"repaired", "would-repair", "changed", "no-majority", "failed"}) {
            std::string name = o;
            for (char &c : name)
                if (c == '-') c = '_';
            s += ",\"" + name + "\":" + std::to_string(r.count(o));
        }
        s += "}";
    }
    s += "}\n";
    std::fputs(s.c_str(), out);
}

}  // namespace dbsync::check
