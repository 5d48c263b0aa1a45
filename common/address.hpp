// Network addresses as users write them: "host:port", "[ipv6]:port", "unix:/path".
// Shared by dbsyncd (-b, -d) and the client core (dbsync.servers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dbsync {

struct Address {
    enum class Kind { Tcp, Unix };
    Kind kind = Kind::Tcp;
    std::string host;  // name or numeric address, without IPv6 brackets
    uint16_t port = 0;
    std::string path;  // unix socket path

    // "127.0.0.1:6379", "[::1]:6379" or "unix:/run/redis.sock".
    std::string display() const;
};

// Parses "host:port", "[v6addr]:port" or "unix:/path". Port must be 1..65535.
bool parseAddress(std::string_view text, Address &out, std::string &error);

// Parses a port number 1..65535.
bool parsePort(std::string_view text, uint16_t &out);

// Splits "a,b,c" on commas, trimming blanks; empty items are dropped.
std::vector<std::string> splitList(std::string_view text);

}  // namespace dbsync
