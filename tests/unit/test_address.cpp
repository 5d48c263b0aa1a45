// Tests for common/address: host:port, [v6]:port, unix:/path, ports, lists.
#include <gtest/gtest.h>

#include "address.hpp"

using dbsync::Address;
using dbsync::parseAddress;
using dbsync::parsePort;
using dbsync::splitList;

namespace {

Address parseOk(std::string_view text) {
    Address a;
    std::string error;
    EXPECT_TRUE(parseAddress(text, a, error)) << text << ": " << error;
    return a;
}

std::string parseError(std::string_view text) {
    Address a;
    std::string error;
    EXPECT_FALSE(parseAddress(text, a, error)) << text;
    EXPECT_FALSE(error.empty()) << text;
    return error;
}

}  // namespace

TEST(Address, Ipv4) {
    Address a = parseOk("127.0.0.1:6379");
    EXPECT_EQ(a.kind, Address::Kind::Tcp);
    EXPECT_EQ(a.host, "127.0.0.1");
    EXPECT_EQ(a.port, 6379);
    EXPECT_EQ(a.display(), "127.0.0.1:6379");
}

TEST(Address, HostName) {
    Address a = parseOk("redis.example.com:1");
    EXPECT_EQ(a.host, "redis.example.com");
    EXPECT_EQ(a.port, 1);
}

TEST(Address, Ipv6InBrackets) {
    Address a = parseOk("[::1]:65535");
    EXPECT_EQ(a.kind, Address::Kind::Tcp);
    EXPECT_EQ(a.host, "::1");
    EXPECT_EQ(a.port, 65535);
    EXPECT_EQ(a.display(), "[::1]:65535");
    EXPECT_EQ(parseOk("[fe80::1:2]:80").host, "fe80::1:2");
}

TEST(Address, UnixSocket) {
    Address a = parseOk("unix:/run/redis/redis.sock");
    EXPECT_EQ(a.kind, Address::Kind::Unix);
    EXPECT_EQ(a.path, "/run/redis/redis.sock");
    EXPECT_EQ(a.display(), "unix:/run/redis/redis.sock");
    parseError("unix:");
}

TEST(Address, ParseResetsOutput) {
    Address a;
    std::string error;
    ASSERT_TRUE(parseAddress("unix:/tmp/x", a, error));
    ASSERT_TRUE(parseAddress("10.0.0.1:5", a, error));
    EXPECT_EQ(a.kind, Address::Kind::Tcp);
    EXPECT_TRUE(a.path.empty());
}

TEST(Address, Malformed) {
    for (const char *bad : {"", "localhost", "127.0.0.1", "127.0.0.1:", ":6379", "[::1]", "[::1]6379",
                            "[::1:6379", "[]:6379", "::1:6379", "host:port", "host:0", "host:65536",
                            "host:-1", "host:+1", "host:12x", "host: 1", "host:99999999999999999999"}) {
        SCOPED_TRACE(bad);
        parseError(bad);
    }
}

TEST(Address, V6WithoutBracketsExplainsWhy) {
    EXPECT_NE(parseError("::1:6379").find("bracket"), std::string::npos);
}

TEST(Address, PortRangeMessage) {
    EXPECT_NE(parseError("h:70000").find("1 to 65535"), std::string::npos);
}

TEST(Port, Range) {
    uint16_t p = 0;
    EXPECT_TRUE(parsePort("1", p));
    EXPECT_EQ(p, 1);
    EXPECT_TRUE(parsePort("65535", p));
    EXPECT_EQ(p, 65535);
    EXPECT_TRUE(parsePort("1111", p));
    EXPECT_EQ(p, 1111);
    for (const char *bad : {"", "0", "65536", "70000", "-1", "+80", " 80", "80 ", "0x50", "8o",
                            "4294967297", "99999999999999999999"}) {
        SCOPED_TRACE(bad);
        uint16_t q = 7;
        EXPECT_FALSE(parsePort(bad, q));
    }
}

TEST(SplitList, Items) {
    using V = std::vector<std::string>;
    EXPECT_EQ(splitList("a,b,c"), (V{"a", "b", "c"}));
    EXPECT_EQ(splitList(" a , b\t,\tc "), (V{"a", "b", "c"}));
    EXPECT_EQ(splitList("a,,b,"), (V{"a", "b"}));
    EXPECT_EQ(splitList(""), V{});
    EXPECT_EQ(splitList(" , ,"), V{});
    EXPECT_EQ(splitList("redis:[::1]:6379,redis:unix:/x"), (V{"redis:[::1]:6379", "redis:unix:/x"}));
}
