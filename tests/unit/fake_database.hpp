// A stand-in Redis for the daemon's unit tests: it listens on loopback in
// the test's own EventLoop, records every command it receives, and answers
// each one as the test's answer() says (an empty answer: no reply, as from
// a paused server). One test thread, no locks.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "event_loop.hpp"

namespace dbsync::test {

class FakeDatabase : public EventLoop::Handler {
public:
    using Command = std::vector<std::string>;

    explicit FakeDatabase(EventLoop &loop) : loop_(loop) {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a);
        listen(fd_, 16);
        socklen_t len = sizeof a;
        getsockname(fd_, reinterpret_cast<sockaddr *>(&a), &len);
        port_ = ntohs(a.sin_port);
        loop_.add(fd_, EPOLLIN, this);
    }
    ~FakeDatabase() {
        for (auto &c : conns_) c->closeFd();
        loop_.remove(fd_);
        close(fd_);
    }

    int port() const { return port_; }
    // Connections accepted so far.
    int accepted() const { return accepted_; }
    // Every command received, in order, over all connections.
    const std::vector<Command> &received() const { return received_; }
    bool receivedCommand(const std::string &name) const {
        for (const Command &c : received_)
            if (!c.empty() && c[0] == name) return true;
        return false;
    }

    // Writes bytes on the newest connection, e.g. a reply held back.
    void replyToLast(const std::string &bytes) {
        if (!conns_.empty() && conns_.back()->fd >= 0 && write(conns_.back()->fd, bytes.data(), bytes.size()) < 0)
            conns_.back()->closeFd();
    }

    // Closes every connection, as a restarting server does.
    void closeConnections() {
        for (auto &c : conns_) c->closeFd();
    }

    // What to reply to a command (RESP); "" sends nothing.
    std::function<std::string(const Command &)> answer = [](const Command &) { return std::string("+OK\r\n"); };

    void onIo(uint32_t) override {
        int c = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) return;
        accepted_++;
        conns_.push_back(std::make_unique<Conn>(*this, c));
    }

private:
    struct Conn : EventLoop::Handler {
        Conn(FakeDatabase &db, int fd) : db(db), fd(fd) { db.loop_.add(fd, EPOLLIN, this); }
        ~Conn() { closeFd(); }
        void closeFd() {
            if (fd < 0) return;
            db.loop_.remove(fd);
            close(fd);
            fd = -1;
        }
        void onIo(uint32_t) override {
            char buf[65536];
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0) {
                closeFd();
                return;
            }
            in.append(buf, static_cast<size_t>(n));
            Command cmd;
            while (parse(cmd)) {
                db.received_.push_back(cmd);
                std::string out = db.answer(cmd);
                if (!out.empty() && write(fd, out.data(), out.size()) < 0) closeFd();
                if (fd < 0) return;
            }
        }
        // One complete "*N\r\n$len\r\n..." command off the front of `in`.
        bool parse(Command &cmd) {
            cmd.clear();
            size_t pos = 0;
            auto line = [&](std::string &out) {
                size_t e = in.find("\r\n", pos);
                if (e == std::string::npos) return false;
                out = in.substr(pos, e - pos);
                pos = e + 2;
                return true;
            };
            std::string head;
            if (!line(head) || head.empty() || head[0] != '*') return false;
            long n = std::strtol(head.c_str() + 1, nullptr, 10);
            for (long i = 0; i < n; i++) {
                std::string len;
                if (!line(len)) return false;
                size_t l = static_cast<size_t>(std::strtol(len.c_str() + 1, nullptr, 10));
                if (in.size() < pos + l + 2) return false;
                cmd.push_back(in.substr(pos, l));
                pos += l + 2;
            }
            in.erase(0, pos);
            return true;
        }
        FakeDatabase &db;
        int fd;
        std::string in;
    };

    EventLoop &loop_;
    int fd_ = -1;
    int port_ = 0;
    int accepted_ = 0;
    std::vector<std::unique_ptr<Conn>> conns_;
    std::vector<Command> received_;
};

// Runs the loop until done() is true (checked every few milliseconds) or
// timeoutMs passes; true if done() became true. every() runs at each
// check, e.g. the server's janitor duties.
inline bool runUntil(EventLoop &loop, const std::function<bool()> &done, uint64_t timeoutMs,
                     const std::function<void()> &every = {}) {
    bool met = false;
    uint64_t deadline = loop.nowMs() + timeoutMs;
    std::function<void()> check;
    EventLoop::TimerId timer = 0;
    check = [&] {
        timer = 0;
        if (every) every();
        if (done()) {
            met = true;
            loop.stop();
        } else if (loop.nowMs() >= deadline) {
            loop.stop();
        } else {
            timer = loop.addTimer(2, check);
        }
    };
    timer = loop.addTimer(0, check);
    loop.run();
    if (timer) loop.cancelTimer(timer);
    return met;
}

}  // namespace dbsync::test
