#include "dbsyncd_info.hpp"

#include <charconv>
#include <map>
#include <sstream>

namespace dbsync::check {

bool parseDbsyncInfo(const std::string &info, std::vector<DatabaseSpec> &out, std::string &error) {
    std::map<unsigned, DatabaseSpec> byIndex;
    std::istringstream lines(info);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.size() < 3 || line.compare(0, 2, "db") != 0) continue;
        size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        unsigned index = 0;
        auto [p, ec] = std::from_chars(line.data() + 2, line.data() + colon, index);
        if (ec != std::errc() || p != line.data() + colon) continue;  // "dbsync_..." or other fields
        const std::string fields = line.substr(colon + 1);
        if (fields.compare(0, 8, "address=") != 0) {
            error = "DBSYNC INFO line '" + line + "' has no address= field";
            return false;
        }
        // The address is followed by ",state=": find that rather than the first
        // comma, which a unix socket path may contain.
        size_t end = fields.find(",state=");
        std::string address = fields.substr(8, end == std::string::npos ? std::string::npos : end - 8);
        // dbsyncd shows HOST:PORT or unix:/path, then /DB when it SELECTs one.
        DatabaseSpec spec;
        size_t slash = address.rfind('/');
        std::string dbPart;
        if (slash != std::string::npos && slash + 1 < address.size() &&
            address.find_first_not_of("0123456789", slash + 1) == std::string::npos &&
            (address.compare(0, 5, "unix:") != 0 || slash > 5)) {
            dbPart = address.substr(slash + 1);
            address.resize(slash);
        }
        std::string addrError;
        if (!parseAddress(address, spec.address, addrError)) {
            error = "DBSYNC INFO line '" + line + "': " + addrError;
            return false;
        }
        if (!dbPart.empty()) {
            int db = 0;
            std::from_chars(dbPart.data(), dbPart.data() + dbPart.size(), db);
            spec.db = db;
        }
        byIndex[index] = spec;
    }
    if (byIndex.empty()) {
        error = "DBSYNC INFO lists no databases (no dbN:address=... lines)";
        return false;
    }
    out.clear();
    for (auto &[i, spec] : byIndex) out.push_back(spec);
    return true;
}

std::vector<DatabaseSpec> mergeDatabaseLists(const std::vector<DatabaseSpec> &fromDbsyncd,
                                             const std::vector<DatabaseSpec> &given) {
    std::vector<DatabaseSpec> merged = fromDbsyncd;
    std::vector<bool> used(given.size(), false);
    for (DatabaseSpec &listed : merged) {
        for (size_t i = 0; i < given.size(); i++) {
            if (used[i]) continue;
            // Database 0 and "no SELECT" hold the same keys.
            int a = listed.db < 0 ? 0 : listed.db, b = given[i].db < 0 ? 0 : given[i].db;
            if (given[i].address.display() == listed.address.display() && a == b) {
                listed = given[i];
                used[i] = true;
                break;
            }
        }
    }
    for (size_t i = 0; i < given.size(); i++)
        if (!used[i]) merged.push_back(given[i]);
    return merged;
}

}  // namespace dbsync::check
