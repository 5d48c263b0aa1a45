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
    auto e = leaderEffect(LeaderCommand::Spop, one, "$3\r\nabc\r\n");
    EXPECT_EQ(e.resp, command({"SREM", "s", "abc"}));
    EXPECT_TRUE(e.plain);
    std::vector<std::string> many{"SPOP", "s", "3"};
    e = leaderEffect(LeaderCommand::Spop, many, "*3\r\n$1\r\na\r\n$0\r\n\r\n$4\r\nx\r\ny\r\n");
    EXPECT_EQ(e.resp, command({"SREM", "s", "a", "", "x\r\ny"}));
    EXPECT_TRUE(leaderEffect(LeaderCommand::Spop, one, "$-1\r\n").resp.empty());
    EXPECT_TRUE(leaderEffect(LeaderCommand::Spop, many, "*0\r\n").resp.empty());
    EXPECT_TRUE(leaderEffect(LeaderCommand::Spop, many, "*1\r\n:1\r\n").resp.empty()) << "not members";
    EXPECT_TRUE(leaderEffect(LeaderCommand::Spop, many, "*2\r\n$1\r\na\r\n").resp.empty()) << "cut short";
}

TEST(LeaderEffect, XaddGetsTheLeadersId) {
    std::vector<std::string> args{"XADD", "st", "MAXLEN", "~", "100", "*", "f", "*"};
    auto e = leaderEffect(LeaderCommand::XaddAutoId, args, "$15\r\n1700000000000-0\r\n");
    EXPECT_EQ(e.resp, command({"XADD", "st", "MAXLEN", "~", "100", "1700000000000-0", "f", "*"}));
    EXPECT_FALSE(e.plain) << "a second XADD of one ID is refused: it goes with its marker";
    EXPECT_TRUE(leaderEffect(LeaderCommand::XaddAutoId, args, "$-1\r\n").resp.empty()) << "NOMKSTREAM, no key";
}

TEST(LeaderEffect, XaddIdIndexSkipsTheOptions) {
    using V = std::vector<std::string_view>;
    EXPECT_EQ(dbsync::xaddIdIndex(V{"XADD", "k", "*", "f", "v"}), 2u);
    EXPECT_EQ(dbsync::xaddIdIndex(V{"XADD", "k", "nomkstream", "maxlen", "=", "1", "limit", "2", "*"}), 8u);
    EXPECT_EQ(dbsync::xaddIdIndex(V{"XADD", "k", "MAXLEN", "10", "1-1"}), 4u);
    EXPECT_EQ(dbsync::xaddIdIndex(V{"XADD", "k", "MAXLEN"}), 0u);
    EXPECT_EQ(dbsync::xaddIdIndex(V{"XADD", "k", "LIMIT", "5"}), 0u);
}
