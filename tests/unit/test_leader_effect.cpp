// Tests for daemon/leader_effect: which commands run leader-first, and the
// effect built from the leader's reply (docs/dbsyncd.md, "Leader-first
// commands").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/leader_effect.hpp"
#include "request_framer.hpp"
#include "resp_writer.hpp"

using dbsync::LeaderCommand;
using dbsync::leaderEffect;
using dbsync::leaderFirstCommand;

namespace {

LeaderCommand which(const std::vector<std::string> &args) {
    std::string resp;
    dbsync::resp::appendCommand(resp, args);
    dbsync::RequestFramer framer;
    dbsync::FramedRequest req;
    EXPECT_EQ(framer.next(resp, req), dbsync::RequestFramer::Result::Request);
    return leaderFirstCommand(req);
}

std::string command(const std::vector<std::string> &args) {
    std::string resp;
    dbsync::resp::appendCommand(resp, args);
    return resp;
}

}  // namespace

TEST(LeaderEffect, SpopAndXaddWithStarRunLeaderFirst) {
    EXPECT_EQ(which({"SPOP", "s"}), LeaderCommand::Spop);
    EXPECT_EQ(which({"spop", "s", "3"}), LeaderCommand::Spop);
    EXPECT_EQ(which({"SPOP", "s", "3", "x"}), LeaderCommand::None) << "Redis refuses it everywhere alike";
    EXPECT_EQ(which({"XADD", "st", "*", "f", "v"}), LeaderCommand::XaddAutoId);
    EXPECT_EQ(which({"xadd", "st", "NOMKSTREAM", "MAXLEN", "~", "10", "LIMIT", "5", "*", "f", "v"}),
              LeaderCommand::XaddAutoId);
    EXPECT_EQ(which({"XADD", "st", "MINID", "5-0", "*", "f", "v"}), LeaderCommand::XaddAutoId);
    // The same stream gives the same sequence part everywhere.
    EXPECT_EQ(which({"XADD", "st", "5-*", "f", "v"}), LeaderCommand::None);
    EXPECT_EQ(which({"XADD", "st", "5-1", "f", "v"}), LeaderCommand::None);
    // "*" as a field or a trim threshold is not the ID.
    EXPECT_EQ(which({"XADD", "st", "1-1", "*", "v"}), LeaderCommand::None);
    EXPECT_EQ(which({"SADD", "s", "a"}), LeaderCommand::None);
    EXPECT_EQ(which({"SRANDMEMBER", "s"}), LeaderCommand::None);
}

TEST(LeaderEffect, SpopBecomesSremOfWhatWasPopped) {
    std::vector<std::string> one{"SPOP", "s"};
    auto e = leaderEffect(LeaderCommand::Spop, one, "$3\r\nabc\r\n", 0);
    EXPECT_EQ(e.resp, command({"SREM", "s", "abc"}));
    EXPECT_TRUE(e.plain);
    std::vector<std::string> many{"SPOP", "s", "3"};
    e = leaderEffect(LeaderCommand::Spop, many, "*3\r\n$1\r\na\r\n$0\r\n\r\n$4\r\nx\r\ny\r\n", 0);
    EXPECT_EQ(e.resp, command({"SREM", "s", "a", "", "x\r\ny"}));
    EXPECT_TRUE(leaderEffect(LeaderCommand::Spop, one, "$-1\r\n", 0).resp.empty());
    EXPECT_TRUE(leaderEffect(LeaderCommand::Spop, many, "*0\r\n", 0).resp.empty());
    EXPECT_TRUE(leaderEffect(LeaderCommand::Spop, many, "*1\r\n:1\r\n", 0).resp.empty()) << "not members";
    EXPECT_TRUE(leaderEffect(LeaderCommand::Spop, many, "*2\r\n$1\r\na\r\n", 0).resp.empty()) << "cut short";
}

TEST(LeaderEffect, XaddGetsTheLeadersId) {
    std::vector<std::string> args{"XADD", "st", "MAXLEN", "~", "100", "*", "f", "*"};
    auto e = leaderEffect(LeaderCommand::XaddAutoId, args, "$15\r\n1700000000000-0\r\n", 0);
    EXPECT_EQ(e.resp, command({"XADD", "st", "MAXLEN", "~", "100", "1700000000000-0", "f", "*"}));
    EXPECT_FALSE(e.plain) << "a second XADD of one ID is refused: it goes with its marker";
    EXPECT_TRUE(leaderEffect(LeaderCommand::XaddAutoId, args, "$-1\r\n", 0).resp.empty()) << "NOMKSTREAM, no key";
}

TEST(LeaderEffect, XaddIdIndexSkipsTheOptions) {
    using V = std::vector<std::string_view>;
    EXPECT_EQ(dbsync::xaddIdIndex(V{"XADD", "k", "*", "f", "v"}), 2u);
    EXPECT_EQ(dbsync::xaddIdIndex(V{"XADD", "k", "nomkstream", "maxlen", "=", "1", "limit", "2", "*"}), 8u);
    EXPECT_EQ(dbsync::xaddIdIndex(V{"XADD", "k", "MAXLEN", "10", "1-1"}), 4u);
    EXPECT_EQ(dbsync::xaddIdIndex(V{"XADD", "k", "MAXLEN"}), 0u);
    EXPECT_EQ(dbsync::xaddIdIndex(V{"XADD", "k", "LIMIT", "5"}), 0u);
}

TEST(LeaderEffect, GroupReadsRunLeaderFirst) {
    EXPECT_EQ(which({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "st", ">"}), LeaderCommand::XreadGroup);
    EXPECT_EQ(which({"xreadgroup", "COUNT", "5", "GROUP", "g", "c", "STREAMS", "a", "b", "0", ">"}),
              LeaderCommand::XreadGroup)
        << "options in any order; one stream read from its history, one for new entries";
    // Reading the history counts a delivery; NOACK of new entries records none.
    EXPECT_EQ(which({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "st", "0"}), LeaderCommand::XreadGroup);
    EXPECT_EQ(which({"XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "st", ">"}), LeaderCommand::None);
    EXPECT_EQ(which({"XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "a", "b", ">", "0"}),
              LeaderCommand::XreadGroup);
    // Redis refuses these everywhere alike.
    EXPECT_EQ(which({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "b", ">"}), LeaderCommand::None);
    EXPECT_EQ(which({"XREADGROUP", "COUNT", "5", "STREAMS", "st", ">", "x"}), LeaderCommand::None);
    EXPECT_EQ(which({"XREADGROUP", "GROUP", "g", "c", "BOGUS", "STREAMS", "st", ">"}), LeaderCommand::None);
    EXPECT_EQ(which({"XAUTOCLAIM", "st", "g", "c", "100", "0"}), LeaderCommand::XautoClaim);
    EXPECT_EQ(which({"XAUTOCLAIM", "st", "g", "c", "100"}), LeaderCommand::None);
    EXPECT_EQ(which({"XREAD", "STREAMS", "st", "0"}), LeaderCommand::None);
}

TEST(LeaderEffect, XreadgroupIsRepeatedAndWhatItDeliveredGetsOneTime) {
    std::vector<std::string> args{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "new", "old", ">", "0"};
    // new: two entries delivered now; old: its history, 2-0 delivered again
    // and 1-0 gone from the stream (nil fields), which Redis leaves alone.
    std::string reply =
        "*2\r\n"
        "*2\r\n$3\r\nnew\r\n*2\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
        "*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\nf\r\n$1\r\nw\r\n"
        "*2\r\n$3\r\nold\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*-1\r\n*2\r\n$3\r\n2-0\r\n*0\r\n";
    auto e = leaderEffect(LeaderCommand::XreadGroup, args, reply, 1700000000123);
    EXPECT_EQ(e.resp, command(args)) << "the same group and stream deliver the same entries";
    EXPECT_FALSE(e.plain);
    ASSERT_EQ(e.fixup.size(), 2u);
    EXPECT_EQ(e.fixup[0], command({"XCLAIM", "new", "g", "c", "0", "5-0", "6-1", "TIME", "1700000000123", "JUSTID"}));
    EXPECT_EQ(e.fixup[1], command({"XCLAIM", "old", "g", "c", "0", "2-0", "TIME", "1700000000123", "JUSTID"}));
    // A stream the command did not name is never touched.
    e = leaderEffect(LeaderCommand::XreadGroup, args,
                     "*1\r\n*2\r\n$5\r\nother\r\n*1\r\n*2\r\n$3\r\n5-0\r\n*0\r\n", 1);
    EXPECT_TRUE(e.fixup.empty());
    // Nothing new: the consumer may still have been made.
    e = leaderEffect(LeaderCommand::XreadGroup, args, "*-1\r\n", 1);
    EXPECT_EQ(e.resp, command(args));
    EXPECT_TRUE(e.fixup.empty());
    EXPECT_TRUE(leaderEffect(LeaderCommand::XreadGroup, args, "*2\r\n*2\r\n", 1).resp.empty()) << "cut short";
}

TEST(LeaderEffect, XautoclaimBecomesXclaimOfWhatItClaimed) {
    std::vector<std::string> args{"XAUTOCLAIM", "st", "g", "c", "1000", "0-0", "COUNT", "10"};
    // Claimed 2-0 and 3-0; 1-0 was gone from the stream, dropped from the pending list.
    std::string reply =
        "*3\r\n$3\r\n4-0\r\n"
        "*2\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n3-0\r\n*0\r\n"
        "*1\r\n$3\r\n1-0\r\n";
    auto e = leaderEffect(LeaderCommand::XautoClaim, args, reply, 42);
    EXPECT_EQ(e.resp, command({"XCLAIM", "st", "g", "c", "0", "2-0", "3-0", "1-0", "TIME", "42"}));
    ASSERT_EQ(e.fixup.size(), 1u);
    EXPECT_EQ(e.fixup[0], command({"XCLAIM", "st", "g", "c", "0", "2-0", "3-0", "TIME", "42", "JUSTID"}));
    // JUSTID: IDs only, and no delivery counted.
    args.push_back("JUSTID");
    e = leaderEffect(LeaderCommand::XautoClaim, args, "*3\r\n$3\r\n0-0\r\n*1\r\n$3\r\n2-0\r\n*0\r\n", 42);
    EXPECT_EQ(e.resp, command({"XCLAIM", "st", "g", "c", "0", "2-0", "TIME", "42", "JUSTID"}));
    // Nothing claimed: an ID no stream holds, so the consumer is made where XAUTOCLAIM made it.
    e = leaderEffect(LeaderCommand::XautoClaim, args, "*3\r\n$3\r\n0-0\r\n*0\r\n*0\r\n", 42);
    EXPECT_EQ(e.resp, command({"XCLAIM", "st", "g", "c", "0", "0-0", "TIME", "42", "JUSTID"}));
    EXPECT_TRUE(e.fixup.empty());
    EXPECT_TRUE(leaderEffect(LeaderCommand::XautoClaim, args, ":1\r\n", 42).resp.empty()) << "not its reply";
}

TEST(LeaderEffect, ATransactionGetsEachCommandsEffect) {
    std::vector<std::string> commands{command({"SADD", "s", "a"}), command({"SPOP", "s"}),
                                      command({"XADD", "st", "*", "f", "v"}), command({"SPOP", "str"}),
                                      command({"INCR", "n"})};
    std::string exec = "*5\r\n:1\r\n$1\r\na\r\n$3\r\n7-0\r\n-WRONGTYPE Operation against a key\r\n:1\r\n";
    auto e = dbsync::transactionEffect(commands, exec, 9);
    EXPECT_TRUE(e.resp.empty());
    EXPECT_EQ(e.inner, (std::vector<std::string>{commands[0], command({"SREM", "s", "a"}),
                                                 command({"XADD", "st", "7-0", "f", "v"}), commands[4]}))
        << "the SPOP the leader refused changed nothing: it is left out";
    EXPECT_TRUE(e.fixup.empty());
    // XREADGROUP inside: its fix-up follows the transaction.
    std::vector<std::string> read{command({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "st", ">"})};
    e = dbsync::transactionEffect(read, "*1\r\n*1\r\n*2\r\n$2\r\nst\r\n*1\r\n*2\r\n$3\r\n7-0\r\n*0\r\n", 9);
    EXPECT_EQ(e.inner, read);
    EXPECT_EQ(e.fixup, (std::vector<std::string>{command({"XCLAIM", "st", "g", "c", "0", "7-0", "TIME", "9", "JUSTID"})}));
    // A reply that does not answer every command: the commands as they came.
    e = dbsync::transactionEffect(commands, "*2\r\n:1\r\n:1\r\n", 9);
    EXPECT_EQ(e.inner, commands);
}
