// Tests for daemon/client_conn: one client's requests and replies, with the
// whole server (fan-out, outbox, database backend) on a real EventLoop
// against FakeDatabase (fake_database.hpp). The client end of a socketpair
// plays the client; the test reads what dbsyncd wrote to it.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "client_conn.hpp"
#include "fake_database.hpp"
#include "log.hpp"
#include "options.hpp"
#include "server.hpp"

using dbsync::ClientConn;
using dbsync::EventLoop;
using dbsync::Options;
using dbsync::Server;
using dbsync::test::FakeDatabase;
using dbsync::test::runUntil;

namespace {

class ClientConnTest : public ::testing::Test {
protected:
    void SetUp() override {
        dbsync::log::setLevel(dbsync::log::Level::Error);
        std::string error;
        ASSERT_TRUE(dbsync::parseDatabase("redis:127.0.0.1:" + std::to_string(db.port()), spec, error)) << error;
        opts.databases = {spec};
        opts.dbBatchWaitMs = 0;
        opts.commandTableFromDatabases = false;  // the fake database counts every command it gets
        server = std::make_unique<Server>(loop, opts);
        for (auto &d : server->databases()) d->start();
        ASSERT_TRUE(runUntil(loop, [&] { return server->databasesUp() == 1; }, 2000));
        int sv[2];
        ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        peer = sv[0];
        server->accepted(sv[1], "test");
    }
    void TearDown() override {
        if (peer >= 0) close(peer);
    }

    void send(const std::string &bytes) { ASSERT_EQ(write(peer, bytes.data(), bytes.size()), ssize_t(bytes.size())); }

    // Runs the loop until the client has received exactly `want`, or times out.
    std::string receive(size_t want, uint64_t timeoutMs = 2000) {
        std::string got;
        runUntil(
            loop, [&] { return got.size() >= want; }, timeoutMs,
            [&] {
                char buf[65536];
                ssize_t n;
                while ((n = read(peer, buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
            });
        return got;
    }

    EventLoop loop;
    FakeDatabase db{loop};
    dbsync::DatabaseSpec spec;
    Options opts;
    std::unique_ptr<Server> server;
    int peer = -1;
};

}  // namespace

TEST_F(ClientConnTest, PipelinedRepliesKeepRequestOrderBehindASlowDatabase) {
    // The database holds its replies (in order, as Redis answers); PING,
    // which dbsyncd answers itself at once, must still wait behind GET's.
    db.answer = [](const FakeDatabase::Command &) { return std::string(); };
    send("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
    EXPECT_EQ(receive(1, 200), "");  // nothing may overtake the held GET
    ASSERT_TRUE(runUntil(loop, [&] { return db.received().size() == 2; }, 2000));
    db.replyToLast("$1\r\nv\r\n+OK\r\n");
    EXPECT_EQ(receive(17), "$1\r\nv\r\n+PONG\r\n+OK\r\n");
}

TEST_F(ClientConnTest, AProtocolErrorIsAnsweredAfterEarlierRepliesThenTheClientCloses) {
    send("*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n");
    std::string got = receive(100, 500);
    EXPECT_EQ(got.rfind("+PONG\r\n-ERR Protocol error", 0), 0u) << got;
    // The client is closed: the peer reads end of file, and the server
    // has freed it once the loop went round.
    char c;
    EXPECT_EQ(read(peer, &c, 1), 0);
    runUntil(loop, [&] { return server->clients().empty(); }, 1000);
    EXPECT_TRUE(server->clients().empty());
}

TEST_F(ClientConnTest, ClosingIsDeferredToTheEndOfTheLoopTurn) {
    ASSERT_EQ(server->clients().size(), 1u);
    ClientConn *client = *server->clients().begin();
    client->close("test");
    // Marked closed, not freed: whoever still holds the pointer can ask.
    EXPECT_TRUE(client->closed());
    EXPECT_EQ(server->clients().size(), 1u);
    runUntil(loop, [&] { return server->clients().empty(); }, 1000);
    EXPECT_TRUE(server->clients().empty());
}
