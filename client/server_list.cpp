#include "client/server_list.hpp"

namespace dbsync {

bool parseServerList(std::string_view text, std::vector<Address> &out, std::string &error) {
    out.clear();
    for (const std::string &item : splitList(text)) {
        Address a;
        std::string why;
        if (!parseAddress(item, a, why)) {
            error = "invalid server address '" + item + "': " + why;
            return false;
        }
        bool seen = false;
        for (const Address &b : out) seen = seen || b.display() == a.display();
        if (!seen) out.push_back(std::move(a));
    }
    if (out.empty()) {
        error = "no server address given";
        return false;
    }
    return true;
}

}  // namespace dbsync
