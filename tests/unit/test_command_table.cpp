// Tests for daemon/command_table: the built-in Redis 7.0 table and the
// errors Redis gives for unknown commands and wrong argument counts (texts
// as redis-server 7.0.15 answers them; the e2e test test_transactions.py
// compares them with a live server).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/command_table.hpp"
#include "request_framer.hpp"
#include "resp_writer.hpp"

using dbsync::CommandRow;
using dbsync::CommandSpec;
using dbsync::CommandTable;
using dbsync::FramedRequest;
using dbsync::RequestFramer;

namespace {

// A framed request and the bytes it points into.
struct Framed {
    std::string bytes;
    FramedRequest req;
};

Framed frame(const std::vector<std::string> &args) {
    Framed f;
    dbsync::resp::appendCommand(f.bytes, args);
    RequestFramer framer;
    EXPECT_EQ(framer.next(f.bytes, f.req), RequestFramer::Result::Request);
    return f;
}

std::string check(const std::vector<std::string> &args, const CommandTable &t = CommandTable::builtin()) {
    Framed f = frame(args);
    return t.check(f.req);
}

}  // namespace

TEST(CommandTable, BuiltinHoldsRedis70Commands) {
    const CommandTable &t = CommandTable::builtin();
    EXPECT_GT(t.size(), 300u);
    EXPECT_EQ(std::string(dbsync::kRedis70CommandTableVersion).rfind("7.0.", 0), 0u);
    const CommandSpec *get = t.find("GET");
    ASSERT_NE(get, nullptr);
    EXPECT_EQ(get->name, "get");
    EXPECT_EQ(get->arity, 2);
    EXPECT_TRUE(get->has(dbsync::kCmdReadonly));
    EXPECT_TRUE(get->has(dbsync::kCmdFast));
    EXPECT_FALSE(get->has(dbsync::kCmdWrite));
    EXPECT_EQ(get->firstKey, 1);
    EXPECT_EQ(get->lastKey, 1);
    EXPECT_EQ(get->keyStep, 1);
    const CommandSpec *mset = t.find("mset");
    ASSERT_NE(mset, nullptr);
    EXPECT_TRUE(mset->has(dbsync::kCmdWrite));
    EXPECT_EQ(mset->firstKey, 1);
    EXPECT_EQ(mset->lastKey, -1);
    EXPECT_EQ(mset->keyStep, 2);
    ASSERT_NE(t.find("blpop"), nullptr);
    EXPECT_TRUE(t.find("blpop")->has(dbsync::kCmdBlocking));
    ASSERT_NE(t.find("subscribe"), nullptr);
    EXPECT_TRUE(t.find("subscribe")->has(dbsync::kCmdPubsub));
    ASSERT_NE(t.find("config"), nullptr);
    EXPECT_TRUE(t.find("config")->hasSubcommands);
    ASSERT_NE(t.find("Config|Get"), nullptr);
    EXPECT_EQ(t.find("config|get")->arity, -3);
    EXPECT_TRUE(t.find("config|get")->has(dbsync::kCmdAdmin));
    EXPECT_EQ(t.find("nosuchcommand"), nullptr);
}

TEST(CommandTable, EveryGeneratedFlagWordIsKnown) {
    // A word the enum lacks would be dropped silently: regenerate the
    // table and extend CommandFlag together.
    for (const CommandRow &row : dbsync::redis70CommandRows()) {
        std::string_view words = row.flags;
        while (!words.empty()) {
            size_t blank = words.find(' ');
            std::string_view word = words.substr(0, blank);
            EXPECT_NE(dbsync::commandFlagFromName(word), 0u) << row.name << ": " << word;
            words = blank == std::string_view::npos ? std::string_view() : words.substr(blank + 1);
        }
    }
}

TEST(CommandTable, AcceptsWhatRedisAccepts) {
    EXPECT_EQ(check({"GET", "k"}), "");
    EXPECT_EQ(check({"get", "k"}), "");
    EXPECT_EQ(check({"SET", "k", "v", "EX", "10"}), "");
    EXPECT_EQ(check({"CONFIG", "GET", "maxmemory"}), "");
    EXPECT_EQ(check({"config", "get", "a", "b"}), "");
    EXPECT_EQ(check({"PING"}), "");
    EXPECT_EQ(check({"BLPOP", "l", "0"}), "");
    EXPECT_EQ(check({"COMMAND"}), "");
    EXPECT_EQ(check({"COMMAND", "DOCS", "GET"}), "");
}

TEST(CommandTable, WrongArity) {
    EXPECT_EQ(check({"GET"}), "ERR wrong number of arguments for 'get' command");
    EXPECT_EQ(check({"GET", "a", "b"}), "ERR wrong number of arguments for 'get' command");
    EXPECT_EQ(check({"CONFIG"}), "ERR wrong number of arguments for 'config' command");
    EXPECT_EQ(check({"CONFIG", "GET"}), "ERR wrong number of arguments for 'config|get' command");
    EXPECT_EQ(check({"xinfo", "help", "x"}), "ERR wrong number of arguments for 'xinfo|help' command");
    EXPECT_EQ(check({"EXEC", "x"}), "ERR wrong number of arguments for 'exec' command");
    EXPECT_EQ(check({"MULTI", "x"}), "ERR wrong number of arguments for 'multi' command");
}

TEST(CommandTable, UnknownCommand) {
    EXPECT_EQ(check({"FOO", "a", "b"}), "ERR unknown command 'FOO', with args beginning with: 'a' 'b' ");
    EXPECT_EQ(check({"foo"}), "ERR unknown command 'foo', with args beginning with: ");
    // Newlines in the arguments become blanks: the error stays one line.
    EXPECT_EQ(check({"FOO", "a\r\nb"}), "ERR unknown command 'FOO', with args beginning with: 'a  b' ");
}

TEST(CommandTable, UnknownCommandShowsAtMost128CharactersOfEach) {
    std::string name = "FOO" + std::string(200, 'x');
    std::string err = check({name, std::string(100, 'a'), std::string(100, 'b'), "c"});
    // The name is cut at 128; the arguments stop once 128 characters are shown.
    EXPECT_EQ(err, "ERR unknown command '" + name.substr(0, 128) + "', with args beginning with: '" +
                       std::string(100, 'a') + "' '" + std::string(25, 'b') + "' ");
}

TEST(CommandTable, UnknownSubcommand) {
    EXPECT_EQ(check({"CONFIG", "FOO"}), "ERR unknown subcommand 'FOO'. Try CONFIG HELP.");
    EXPECT_EQ(check({"client", "nope"}), "ERR unknown subcommand 'nope'. Try CLIENT HELP.");
}

TEST(CommandTable, ATableCanBeFilledFromElsewhere) {
    // What a table read from a database's COMMAND INFO would do: a module
    // command unknown to the built-in table, and a changed arity.
    CommandTable live;
    live.add(CommandRow{"mymod.cmd", -2, "write denyoom module", 1, 1, 1});
    live.add(CommandRow{"get", 2, "readonly fast", 1, 1, 1});
    live.add(CommandRow{"get", -2, "readonly", 1, 1, 1});
    EXPECT_EQ(live.size(), 2u);
    EXPECT_EQ(check({"MYMOD.CMD", "k"}, live), "");
    EXPECT_TRUE(live.find("mymod.cmd")->has(dbsync::kCmdModule));
    EXPECT_EQ(check({"GET", "a", "b"}, live), "");
    EXPECT_FALSE(live.find("get")->has(dbsync::kCmdFast));
    // A subcommand before its container still makes it one.
    live.add(CommandRow{"obj|help", 2, "loading stale", 0, 0, 0});
    live.add(CommandRow{"obj", -2, "", 0, 0, 0});
    EXPECT_TRUE(live.find("obj")->hasSubcommands);
    EXPECT_EQ(check({"OBJ", "nope"}, live), "ERR unknown subcommand 'nope'. Try OBJ HELP.");
    EXPECT_EQ(check({"OBJ", "HELP"}, live), "");
    EXPECT_EQ(check({"OBJ"}, live), "ERR wrong number of arguments for 'obj' command");
}

TEST(CommandTable, UnknownFlagWordsAreIgnored) {
    EXPECT_EQ(dbsync::commandFlagFromName("write"), dbsync::kCmdWrite);
    EXPECT_EQ(dbsync::commandFlagFromName("no_multi"), dbsync::kCmdNoMulti);
    EXPECT_EQ(dbsync::commandFlagFromName("some_future_flag"), 0u);
}
