// Tests for daemon/database_outbox and daemon/database_backend: what a
// database is owed, and that nothing reaches it before its connection's
// AUTH/SELECT succeeded. The backend runs on a real EventLoop with its
// own socket I/O against FakeDatabase (fake_database.hpp) on loopback.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "database_backend.hpp"
#include "database_outbox.hpp"
#include "fake_database.hpp"
#include "fanout.hpp"
#include "log.hpp"
#include "stats.hpp"

using dbsync::DatabaseBackend;
using dbsync::DatabaseOutbox;
using dbsync::EventLoop;
using dbsync::FanoutRequest;
using dbsync::test::FakeDatabase;
using dbsync::test::runUntil;

namespace {

FanoutRequest *fakeRequest(int i) { return reinterpret_cast<FanoutRequest *>(static_cast<uintptr_t>(i)); }

}  // namespace

TEST(DatabaseOutbox, WritesInOrderAndAnswersFromTheFront) {
    DatabaseOutbox box;
    box.push(fakeRequest(1), "one", 10);
    box.push(nullptr, "two", 11);
    box.push(fakeRequest(3), "three", 12);
    EXPECT_EQ(box.size(), 3u);
    EXPECT_EQ(box.unwritten(), 3u);
    EXPECT_EQ(box.requestsUnwritten(), 2u);

    std::vector<std::string> wire;
    ASSERT_TRUE(box.writeUnwritten([&](const char *p, size_t n) { return wire.emplace_back(p, n), true; }, 20));
    EXPECT_EQ(wire, (std::vector<std::string>{"one", "two", "three"}));
    EXPECT_EQ(box.written(), 3u);
    EXPECT_EQ(box.unwritten(), 0u);
    EXPECT_EQ(box.front().writtenUs, 20u);

    DatabaseOutbox::Entry e = box.popAnswered();
    EXPECT_EQ(e.req, fakeRequest(1));
    EXPECT_EQ(e.queuedUs, 10u);
    EXPECT_EQ(box.popAnswered().req, nullptr);
    EXPECT_EQ(box.size(), 1u);
}

TEST(DatabaseOutbox, ARefusedWriteLeavesItAndTheRestUnwritten) {
    DatabaseOutbox box;
    box.push(fakeRequest(1), "a", 0);
    box.push(fakeRequest(2), "bb", 0);
    box.push(fakeRequest(3), "ccc", 0);
    int calls = 0;
    EXPECT_FALSE(box.writeUnwritten([&](const char *, size_t) { return ++calls < 2; }, 5));
    EXPECT_EQ(box.written(), 1u);
    EXPECT_EQ(box.unwritten(), 2u);
    // The bytes still owed are the refused command's and the next one's.
    std::vector<std::string> wire;
    ASSERT_TRUE(box.writeUnwritten([&](const char *p, size_t n) { return wire.emplace_back(p, n), true; }, 6));
    EXPECT_EQ(wire, (std::vector<std::string>{"bb", "ccc"}));
}

TEST(DatabaseOutbox, TakeAllSaysWhatWasWritten) {
    DatabaseOutbox box;
    box.push(fakeRequest(1), "a", 0);
    box.writeUnwritten([](const char *, size_t) { return true; }, 1);
    box.push(fakeRequest(2), "b", 2);
    box.push(nullptr, "c", 2);
    EXPECT_EQ(box.requestsWritten(), 1u);
    EXPECT_EQ(box.requestsUnwritten(), 1u);
    DatabaseOutbox::Taken t = box.takeAll();
    EXPECT_EQ(t.entries.size(), 3u);
    EXPECT_EQ(t.written, 1u);
    EXPECT_TRUE(box.empty());
    EXPECT_EQ(box.written(), 0u);
}

namespace {

// One backend against one FakeDatabase, with the server's duties (the
// write before each sleep, the janitor) done by the test.
class Backend : public ::testing::Test {
protected:
    void start(int db = -1, uint64_t replyTimeoutMs = 2000, uint64_t connectTimeoutMs = 1000) {
        dbsync::DatabaseSpec spec;
        spec.address.kind = dbsync::Address::Kind::Tcp;
        spec.address.host = "127.0.0.1";
        spec.address.port = static_cast<uint16_t>(fake.port());
        spec.db = db;
        DatabaseBackend::Limits limits{replyTimeoutMs, connectTimeoutMs, 5000, 100, 0, 0};
        backend = std::make_unique<DatabaseBackend>(loop, spec, limits);
        loop.setBeforeSleep([this] { backend->flushWrites(true); });
        backend->start();
    }
    void TearDown() override {
        backend.reset();
        for (FanoutRequest *r : requests) r->release();
    }
    FanoutRequest *send(const std::string &key) {
        auto *req = new FanoutRequest(nullptr, dbsync::AckPolicy::One, 1, stats);
        requests.push_back(req);
        std::string cmd = "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$1\r\nv\r\n";
        backend->send(req, cmd);
        return req;
    }
    bool run(const std::function<bool()> &done, uint64_t timeoutMs = 5000) {
        return runUntil(loop, done, timeoutMs, [this] { backend->checkTimeouts(loop.nowMs()); });
    }
    bool allDecided() const {
        for (FanoutRequest *r : requests)
            if (!r->decided()) return false;
        return true;
    }

    EventLoop loop;
    FakeDatabase fake{loop};
    dbsync::Stats stats;
    std::unique_ptr<DatabaseBackend> backend;
    std::vector<FanoutRequest *> requests;
};

}  // namespace

TEST_F(Backend, CommandsWaitForSelectToSucceed) {
    fake.answer = [](const FakeDatabase::Command &c) { return c[0] == "SELECT" ? std::string() : "+OK\r\n"; };
    start(3);
    FanoutRequest *req = send("k");
    ASSERT_TRUE(run([&] { return fake.receivedCommand("SELECT"); }));
    // SELECT is unanswered: a few more loop turns write nothing else.
    int turns = 0;
    run([&] { return ++turns > 20; });
    EXPECT_FALSE(fake.receivedCommand("SET"));
    EXPECT_EQ(backend->state(), DatabaseBackend::State::Handshaking);
    EXPECT_EQ(backend->pending(), 1u);

    fake.replyToLast("+OK\r\n");
    ASSERT_TRUE(run([&] { return req->decided(); }));
    EXPECT_EQ(req->reply(), "+OK\r\n");
    EXPECT_EQ(backend->state(), DatabaseBackend::State::Ready);
    ASSERT_EQ(fake.received().size(), 2u);
    EXPECT_EQ(fake.received()[0], (FakeDatabase::Command{"SELECT", "3"}));
    EXPECT_EQ(fake.received()[1][0], "SET");
}

TEST_F(Backend, ARefusedSelectLetsNoCommandThrough) {
    fake.answer = [](const FakeDatabase::Command &c) {
        return c[0] == "SELECT" ? std::string("-ERR DB index is out of range\r\n") : std::string("+OK\r\n");
    };
    start(99);
    for (int i = 0; i < 5; i++) send("k" + std::to_string(i));
    ASSERT_TRUE(run([&] { return allDecided(); }));
    for (FanoutRequest *r : requests) {
        EXPECT_NE(r->reply().find("SELECT 99 failed: ERR DB index is out of range"), std::string::npos) << r->reply();
    }
    EXPECT_FALSE(fake.receivedCommand("SET"));
    EXPECT_NE(backend->state(), DatabaseBackend::State::Ready);
    EXPECT_EQ(backend->failures, 5u);
    EXPECT_EQ(backend->replies, 0u);
}

TEST_F(Backend, ARefusedSelectIsRetriedWithBackoff) {
    fake.answer = [](const FakeDatabase::Command &) { return std::string("-ERR DB index is out of range\r\n"); };
    start(99);
    uint64_t began = EventLoop::monotonicUs();
    ASSERT_TRUE(run([&] { return fake.accepted() >= 5; }, 10000));
    // The waits between attempts grow (at least 25, 50, 100, 200 ms with
    // jitter); without backoff five attempts take about 150 ms.
    EXPECT_GE(EventLoop::monotonicUs() - began, 375u * 1000);
    EXPECT_EQ(backend->reconnects, 0u);
}

TEST_F(Backend, AWriteWhoseReplyTimedOutHasAnUnknownOutcome) {
    fake.answer = [](const FakeDatabase::Command &c) { return c[0] == "SET" ? std::string() : "+OK\r\n"; };
    start(-1, 100);
    FanoutRequest *req = send("k");
    ASSERT_TRUE(run([&] { return req->decided(); }));
    EXPECT_TRUE(fake.receivedCommand("SET"));
    EXPECT_EQ(req->reply(),
              "-ERR applied on 0 of 1 databases, outcome unknown on 1 (127.0.0.1:" + std::to_string(fake.port()) +
                  ": no reply within 100 ms (--db-timeout)): --ack one needs 1\r\n");
    EXPECT_EQ(backend->outcomeUnknown, 1u);
    EXPECT_EQ(backend->failures, 1u);
}

TEST_F(Backend, ACommandStillWaitingForTheHandshakeIsKnownNotSent) {
    fake.answer = [](const FakeDatabase::Command &) { return std::string(); };  // SELECT never answered
    start(2, 2000, 200);
    FanoutRequest *req = send("k");
    ASSERT_TRUE(run([&] { return req->decided(); }));
    EXPECT_FALSE(fake.receivedCommand("SET"));
    EXPECT_EQ(req->reply(), "-ERR database unreachable: 127.0.0.1:" + std::to_string(fake.port()) +
                                "/2: AUTH/SELECT unanswered after 200 ms (--connect-timeout)\r\n");
    EXPECT_EQ(backend->outcomeUnknown, 0u);
}

TEST_F(Backend, ARefusedSelectIsLoggedAfterADifferentFailure) {
    // A database restarts, and now refuses SELECT 3: that is logged as an
    // error even though the same episode already logged it down.
    int selects = 0;
    fake.answer = [&](const FakeDatabase::Command &c) {
        if (c[0] != "SELECT") return std::string("+OK\r\n");
        return ++selects == 1 ? std::string("+OK\r\n") : std::string("-ERR DB index is out of range\r\n");
    };
    dbsync::log::setLevel(dbsync::log::Level::Notice);
    ::testing::internal::CaptureStderr();
    start(3);
    FanoutRequest *req = send("k");
    ASSERT_TRUE(run([&] { return req->decided(); }));
    fake.closeConnections();
    ASSERT_TRUE(run([&] { return fake.accepted() >= 4; }, 10000));
    std::string log = ::testing::internal::GetCapturedStderr();
    auto count = [&](const std::string &what) {
        size_t n = 0;
        for (size_t p = log.find(what); p != std::string::npos; p = log.find(what, p + 1)) n++;
        return n;
    };
    EXPECT_EQ(count("is up"), 1u) << log;
    EXPECT_EQ(count("warning: database"), 1u) << log;
    EXPECT_EQ(count("error: database 127.0.0.1:" + std::to_string(fake.port()) + "/3 is down: SELECT 3 failed"), 1u)
        << log;
}
