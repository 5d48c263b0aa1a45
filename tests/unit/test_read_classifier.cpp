// Tests for isRead / isCursorRead (daemon/command_table.hpp) and for the
// DBSYNC COMMANDS lines (daemon/command_report.hpp): which commands go to
// one database and which to all of them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/command_policy.hpp"
#include "daemon/command_report.hpp"
#include "daemon/command_table.hpp"
#include "request_framer.hpp"
#include "resp_writer.hpp"

using dbsync::CommandRow;
using dbsync::CommandTable;
using dbsync::FramedRequest;
using dbsync::ReadFrom;
using dbsync::RequestFramer;

namespace {

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

bool read(const std::vector<std::string> &args, const CommandTable &t = CommandTable::builtin()) {
    Framed f = frame(args);
    return dbsync::isRead(t.lookup(f.req));
}

bool cursor(const std::vector<std::string> &args) {
    Framed f = frame(args);
    return dbsync::isCursorRead(CommandTable::builtin().lookup(f.req));
}

}  // namespace

TEST(ReadClassifier, ReadonlyCommandsAreReads) {
    EXPECT_TRUE(read({"GET", "k"}));
    EXPECT_TRUE(read({"get", "k"}));
    EXPECT_TRUE(read({"MGET", "a", "b"}));
    EXPECT_TRUE(read({"HGETALL", "h"}));
    EXPECT_TRUE(read({"ZRANGE", "z", "0", "-1"}));
    EXPECT_TRUE(read({"EXISTS", "k"}));
    EXPECT_TRUE(read({"SORT_RO", "l"}));
    EXPECT_TRUE(read({"EVAL_RO", "return 1", "0"}));
    EXPECT_TRUE(read({"EVALSHA_RO", "abc", "0"}));
    EXPECT_TRUE(read({"FCALL_RO", "f", "0"}));
    // A subcommand is judged by its own flags.
    EXPECT_TRUE(read({"OBJECT", "ENCODING", "k"}));
    EXPECT_TRUE(read({"XINFO", "STREAM", "s"}));
}

TEST(ReadClassifier, WritesAndEverythingElseAreWrites) {
    EXPECT_FALSE(read({"SET", "k", "v"}));
    EXPECT_FALSE(read({"GETEX", "k", "PX", "10"}));  // flagged write: it may change the TTL
    EXPECT_FALSE(read({"GETDEL", "k"}));
    EXPECT_FALSE(read({"SORT", "l"}));  // may STORE
    EXPECT_FALSE(read({"EVAL", "return 1", "0"}));
    EXPECT_FALSE(read({"PUBLISH", "c", "m"}));  // neither readonly nor write
    EXPECT_FALSE(read({"INFO"}));
    EXPECT_FALSE(read({"CONFIG", "GET", "maxmemory"}));
    // Stores the computed cardinality inside the value.
    EXPECT_FALSE(read({"PFCOUNT", "h"}));
}

TEST(ReadClassifier, UnknownCommandsAreWrites) {
    EXPECT_FALSE(read({"MYMODULE.GET", "k"}));  // a module's, or a renamed command
    EXPECT_FALSE(read({"OBJECT", "NOPE", "k"}));
    EXPECT_FALSE(dbsync::isRead(nullptr));
}

TEST(ReadClassifier, FlagsDecideInAnyTable) {
    CommandTable t;
    t.add(CommandRow{"mymod.get", 2, "readonly module", 1, 1, 1});
    t.add(CommandRow{"mymod.both", 2, "readonly write module", 1, 1, 1});
    EXPECT_TRUE(read({"MYMOD.GET", "k"}, t));
    EXPECT_FALSE(read({"MYMOD.BOTH", "k"}, t));
}

TEST(ReadClassifier, CursorCommands) {
    EXPECT_TRUE(cursor({"SCAN", "0"}));
    EXPECT_TRUE(cursor({"sscan", "s", "0"}));
    EXPECT_TRUE(cursor({"HSCAN", "h", "0"}));
    EXPECT_TRUE(cursor({"ZSCAN", "z", "0"}));
    EXPECT_FALSE(cursor({"GET", "k"}));
    EXPECT_FALSE(cursor({"KEYS", "*"}));
}

TEST(CommandReport, SaysHowEachCommandIsHandled) {
    EXPECT_EQ(dbsync::describeCommandRouting("GET", ReadFrom::Nearest),
              "get: read (one database: the one up with the lowest recent latency (--read-from nearest))");
    EXPECT_EQ(dbsync::describeCommandRouting("get", ReadFrom::All),
              "get: read (every database, the first reply answers (--read-from all))");
    EXPECT_EQ(dbsync::describeCommandRouting("scan", ReadFrom::Nearest),
              "scan: read (one database: always the first up in -d order, so a cursor stays on one database)");
    EXPECT_EQ(dbsync::describeCommandRouting("set", ReadFrom::First), "set: write (every database, acknowledged per --ack)");
    EXPECT_EQ(dbsync::describeCommandRouting("mymodule.get", ReadFrom::First),
              "mymodule.get: write (unknown to dbsyncd's built-in Redis 7.0 command table: treated as a write)");
    EXPECT_EQ(dbsync::describeCommandRouting("subscribe", ReadFrom::First),
              "subscribe: refused (it turns the connection into a stream, which a fan-out cannot merge)");
    EXPECT_EQ(dbsync::describeCommandRouting("object|encoding", ReadFrom::First),
              "object|encoding: read (one database: the first up in -d order (--read-from first))");
}

TEST(ReadClassifier, TheLastNameFoundNeverAnswersForAnother) {
    // lookup() and classifyCommand() check the previous name first: whatever
    // came before, each request is classified as on its own.
    using dbsync::CommandKind;
    auto kind = [](const std::vector<std::string> &args) {
        Framed f = frame(args);
        return dbsync::classifyCommand(f.req).kind;
    };
    for (int round = 0; round < 2; round++) {
        EXPECT_EQ(kind({"SET", "k", "v"}), CommandKind::Forward);
        EXPECT_EQ(kind({"set", "k", "v"}), CommandKind::Forward);
        EXPECT_EQ(kind({"SELECT", "1"}), CommandKind::Rejected);
        EXPECT_EQ(kind({"XREAD", "STREAMS", "s", "0"}), CommandKind::Forward);
        EXPECT_EQ(kind({"XREAD", "BLOCK", "0", "STREAMS", "s", "0"}), CommandKind::Blocking);
        EXPECT_EQ(kind({"SCRIPT", "FLUSH"}), CommandKind::Forward);
        EXPECT_EQ(kind({"SCRIPT", "KILL"}), CommandKind::Control);
        EXPECT_EQ(kind({"PING"}), CommandKind::Ping);
    }
    EXPECT_FALSE(read({"SET", "k", "v"}));
    EXPECT_TRUE(read({"GET", "k"}));
    EXPECT_TRUE(read({"get", "k"}));
    EXPECT_FALSE(read({"GETDEL", "k"}));
    EXPECT_TRUE(read({"OBJECT", "ENCODING", "k"}));
    EXPECT_FALSE(read({"OBJECT", "NOSUCH", "k"}));
    EXPECT_TRUE(read({"XINFO", "STREAM", "s"}));
    EXPECT_TRUE(read({"GET", "k"}));
    EXPECT_FALSE(read({"NOSUCH", "k"}));
}

TEST(ReadClassifier, EvalOfAScriptDeclaredNoWritesIsARead) {
    auto readOnlyScript = [](const std::vector<std::string> &args) {
        Framed f = frame(args);
        return dbsync::isReadOnlyScript(f.req);
    };
    EXPECT_TRUE(readOnlyScript({"EVAL", "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])", "1", "k"}));
    EXPECT_TRUE(readOnlyScript({"eval", "#!lua flags=allow-stale,no-writes\nreturn 1", "0"}));
    EXPECT_TRUE(readOnlyScript({"EVAL", "#!lua name=x flags=no-writes", "0"}));
    // A script that may write, or says nothing: every database.
    EXPECT_FALSE(readOnlyScript({"EVAL", "#!lua\nreturn redis.call('SET', KEYS[1], 'v')", "1", "k"}));
    EXPECT_FALSE(readOnlyScript({"EVAL", "#!lua flags=allow-oom\nreturn 1", "0"}));
    EXPECT_FALSE(readOnlyScript({"EVAL", "return 1 -- #!lua flags=no-writes", "0"}));
    EXPECT_FALSE(readOnlyScript({"EVAL", "#!lua\n-- flags=no-writes\nreturn 1", "0"})) << "only the first line";
    EXPECT_FALSE(readOnlyScript({"EVAL", "#!lua flags=no-writesx", "0"}));
    EXPECT_FALSE(readOnlyScript({"EVALSHA", "#!lua flags=no-writes", "0"})) << "only the database knows a SHA's flags";
    EXPECT_FALSE(readOnlyScript({"EVAL", "#!lua flags=no-writes"})) << "Redis refuses it: its arity";
}
