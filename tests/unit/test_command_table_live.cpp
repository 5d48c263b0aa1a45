// Tests for daemon/command_table_live: the databases' own COMMAND tables,
// and how several are merged, the most careful way.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/command_table_live.hpp"
#include "request_framer.hpp"
#include "resp_writer.hpp"

using dbsync::CommandTable;

namespace {

// One COMMAND entry as Redis 7 gives it, with `subs` (entries) as its
// tenth element.
std::string entry(const std::string &name, int arity, const std::vector<std::string> &flags, int first, int last,
                  int step, const std::vector<std::string> &subs = {}) {
    std::string e;
    dbsync::resp::appendArrayHeader(e, 10);
    dbsync::resp::appendBulk(e, name);
    dbsync::resp::appendInteger(e, arity);
    dbsync::resp::appendArrayHeader(e, static_cast<long long>(flags.size()));
    for (const auto &f : flags) dbsync::resp::appendStatus(e, f);
    dbsync::resp::appendInteger(e, first);
    dbsync::resp::appendInteger(e, last);
    dbsync::resp::appendInteger(e, step);
    for (int i = 0; i < 3; i++) dbsync::resp::appendArrayHeader(e, 0);  // ACL categories, tips, key specs
    dbsync::resp::appendArrayHeader(e, static_cast<long long>(subs.size()));
    for (const auto &s : subs) e += s;
    return e;
}

std::string reply(const std::vector<std::string> &entries) {
    std::string r;
    dbsync::resp::appendArrayHeader(r, static_cast<long long>(entries.size()));
    for (const auto &e : entries) r += e;
    return r;
}

bool isRead(const CommandTable &t, const std::vector<std::string> &args) {
    std::string bytes;
    dbsync::resp::appendCommand(bytes, args);
    dbsync::RequestFramer framer;
    dbsync::FramedRequest req;
    EXPECT_EQ(framer.next(bytes, req), dbsync::RequestFramer::Result::Request);
    return dbsync::isRead(t.lookup(req));
}

CommandTable parse(const std::string &bytes) {
    CommandTable t;
    std::string error;
    EXPECT_TRUE(dbsync::commandTableFromReply(bytes, t, error)) << error;
    return t;
}

}  // namespace

TEST(CommandTableLive, ReadsCommandsAndSubcommandsFromCommand) {
    CommandTable t = parse(reply({
        entry("get", 2, {"readonly", "fast"}, 1, 1, 1),
        entry("set", -3, {"write", "denyoom"}, 1, 1, 1),
        entry("mymodule.get", 2, {"readonly", "module"}, 1, 1, 1),
        entry("object", -2, {}, 0, 0, 0, {entry("object|encoding", 3, {"readonly"}, 2, 2, 1)}),
    }));
    EXPECT_EQ(t.size(), 5u);
    EXPECT_TRUE(isRead(t, {"GET", "k"}));
    EXPECT_FALSE(isRead(t, {"SET", "k", "v"}));
    EXPECT_TRUE(isRead(t, {"mymodule.get", "k"})) << "a module's read, unknown to the built-in table";
    EXPECT_TRUE(isRead(t, {"OBJECT", "ENCODING", "k"}));
    EXPECT_FALSE(isRead(t, {"OBJECT", "FREQ", "k"}));
    const dbsync::CommandSpec *set = t.find("set");
    ASSERT_NE(set, nullptr);
    EXPECT_EQ(set->arity, -3);
    EXPECT_TRUE(set->has(dbsync::kCmdDenyoom));
    EXPECT_EQ(set->firstKey, 1);
}

TEST(CommandTableLive, RefusesWhatIsNotACommandReply) {
    CommandTable t;
    std::string error;
    EXPECT_FALSE(dbsync::commandTableFromReply("-NOPERM no\r\n", t, error));
    EXPECT_EQ(error, "NOPERM no");
    EXPECT_FALSE(dbsync::commandTableFromReply("*1\r\n:1\r\n", t, error));
    EXPECT_FALSE(dbsync::commandTableFromReply("*1\r\n*2\r\n$3\r\nget\r\n:2\r\n", t, error));
    EXPECT_FALSE(dbsync::commandTableFromReply("*0\r\n", t, error));
}

TEST(CommandTableLive, MergingKeepsTheMostCarefulClassification) {
    CommandTable a = parse(reply({
        entry("get", 2, {"readonly"}, 1, 1, 1),
        entry("newread", 2, {"readonly"}, 1, 1, 1),
        entry("mixed", 2, {"readonly"}, 1, 1, 1),
    }));
    CommandTable b = parse(reply({
        entry("get", 2, {"readonly", "fast"}, 1, 1, 1),
        entry("mixed", 2, {"write"}, 1, 1, 1),
        entry("onlyb", 2, {"readonly"}, 1, 1, 1),
    }));
    CommandTable m = dbsync::mergeCommandTables({&a, &b});
    EXPECT_TRUE(isRead(m, {"GET", "k"}));
    EXPECT_TRUE(m.find("get")->has(dbsync::kCmdFast));
    EXPECT_FALSE(isRead(m, {"MIXED", "k"})) << "a write on one database";
    EXPECT_FALSE(isRead(m, {"NEWREAD", "k"})) << "unknown to b: it goes to every database";
    EXPECT_FALSE(isRead(m, {"ONLYB", "k"}));
    EXPECT_TRUE(m.find("newread")->has(dbsync::kCmdWrite));
    EXPECT_FALSE(isRead(m, {"NOSUCH", "k"}));
    // The built-in table stands for a database that gave none.
    CommandTable withBuiltin = dbsync::mergeCommandTables({&a, &CommandTable::builtin()});
    EXPECT_TRUE(isRead(withBuiltin, {"GET", "k"}));
    EXPECT_FALSE(isRead(withBuiltin, {"NEWREAD", "k"}));
}
