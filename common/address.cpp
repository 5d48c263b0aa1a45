#include "address.hpp"

#include <charconv>

namespace dbsync {

std::string Address::display() const {
    if (kind == Kind::Unix) return "unix:" + path;
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

bool parsePort(std::string_view text, uint16_t &out) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
        return false;
    out = static_cast<uint16_t>(value);
    return true;
}

bool parseAddress(std::string_view text, Address &out, std::string &error) {
    out = Address{};
    if (text.substr(0, 5) == "unix:") {
        out.kind = Address::Kind::Unix;
        out.path = std::string(text.substr(5));
        if (out.path.empty()) {
            error = "unix socket path is empty";
            return false;
        }
        return true;
    }
    std::string_view host, port;
    if (!text.empty() && text.front() == '[') {
        size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            error = "expected [ipv6-address]:port";
            return false;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            error = "expected host:port";
            return false;
        }
        host = text.substr(0, colon);
        if (host.find(':') != std::string_view::npos) {
            error = "IPv6 addresses need brackets: [addr]:port";
            return false;
        }
        port = text.substr(colon + 1);
    }
    if (host.empty()) {
        error = "host is empty";
        return false;
    }
    if (!parsePort(port, out.port)) {
        error = "port must be a number from 1 to 65535";
        return false;
    }
    out.host = std::string(host);
    return true;
}

std::vector<std::string> splitList(std::string_view text) {
    std::vector<std::string> items;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        std::string_view item = text.substr(start, comma - start);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (!item.empty()) items.emplace_back(item);
        start = comma + 1;
    }
    return items;
}

}  // namespace dbsync
