#include "client_fanout.hpp"

#include "log.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>

namespace dbsync {
namespace {

double millisBetween(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

bool succeeded(const ClientConnection &c) {
    return c.outcome() == ClientConnection::Outcome::Replied && !c.reply().isError();
}

bool failed(const ClientConnection &c) {
    return c.outcome() == ClientConnection::Outcome::Failed ||
           (c.outcome() == ClientConnection::Outcome::Replied && c.reply().isError());
}

std::string reasonOf(const ClientConnection &c) {
    if (c.outcome() == ClientConnection::Outcome::Replied) return c.reply().str;
    if (c.outcome() == ClientConnection::Outcome::Failed) return c.error();
    return "no reply yet";
}

}  // namespace

FanoutResult fanoutCall(const std::vector<ClientConnection *> &conns, std::string_view request,
                        const FanoutOptions &options) {
    const size_t n = conns.size();
    const size_t needed = requiredSuccesses(options.ack, n);
    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline = start + std::chrono::milliseconds(options.timeoutMs);

    // Send to everyone first, so that a fast answer from one server never
    // delays the request to the others.
    for (ClientConnection *c : conns) c->begin(request, options.stream, start, deadline);

    long winner = -1;  // index of the first successful reply, by arrival
    std::vector<pollfd> fds;
    std::vector<ClientConnection *> polled;
    bool deadlinePassed = false;
    for (;;) {
        size_t ok = 0, bad = 0;
        for (size_t i = 0; i < n; i++) {
            if (succeeded(*conns[i])) {
                ok++;
                if (winner < 0) winner = static_cast<long>(i);
            } else if (failed(*conns[i])) {
                bad++;
            }
        }
        if (ok >= needed || bad > n - needed || ok + bad == n) break;

        Clock::time_point now = Clock::now();
        if (now >= deadline) {
            deadlinePassed = true;
            break;
        }
        fds.clear();
        polled.clear();
        bool buffered = false;
        for (ClientConnection *c : conns) {
            if (c->outcome() != ClientConnection::Outcome::Pending) continue;
            short ev = c->pollEvents();
            if (c->hasBufferedInput()) buffered = true;
            if (!ev) continue;
            fds.push_back(pollfd{c->pollFd(), ev, 0});
            polled.push_back(c);
        }
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
        int rc = ::poll(fds.data(), fds.size(), buffered ? 0 : static_cast<int>(left));
        if (rc < 0 && errno != EINTR) {
            LOG_ERROR("dbsync client: poll: %s", std::strerror(errno));
            break;
        }
        for (size_t i = 0; i < polled.size(); i++) {
            if (fds[i].revents || polled[i]->hasBufferedInput()) polled[i]->onReady(fds[i].revents);
        }
    }

    FanoutResult result;
    Clock::time_point end = Clock::now();
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        ClientConnection &c = *conns[i];
        c.end(deadlinePassed, options.timeoutMs);
        ServerStatus st;
        st.server = c.name();
        if (succeeded(c)) {
            st.state = ServerStatus::State::Ok;
            ok++;
        } else if (failed(c)) {
            st.state = ServerStatus::State::Error;
            st.error = reasonOf(c);
        }
        st.millis = millisBetween(start, c.outcome() == ClientConnection::Outcome::Pending ? end : c.finishedAt());
        result.servers.push_back(std::move(st));
    }

    if (ok >= needed && winner >= 0) {
        result.ok = true;
        result.reply = conns[winner]->takeReply();
        return result;
    }

    // Name every server that let the call down, with its reason. A policy
    // that can no longer be met returns at once: servers still working on
    // the command are listed as "no reply yet" (they may well apply it).
    std::string detail;
    size_t bad = 0;
    for (const ServerStatus &st : result.servers) {
        if (st.state == ServerStatus::State::Ok) continue;
        if (st.state == ServerStatus::State::Error) bad++;
        if (!detail.empty()) detail += "; ";
        detail += st.server + ": " + (st.state == ServerStatus::State::Pending ? "no reply yet" : st.error);
    }
    if (n == 1) {
        result.error = detail;
    } else if (options.ack == AckPolicy::One) {
        result.error = "no server succeeded: " + detail;
    } else {
        result.error = std::string("ack=") + ackPolicyName(options.ack) + " needs " + std::to_string(needed) +
                       " of " + std::to_string(n) + " servers, " + std::to_string(ok) + " succeeded, " +
                       std::to_string(bad) + " failed: " + detail;
    }
    DBSYNC_TRACE("dbsync client: call failed: %s", result.error.c_str());
    return result;
}

}  // namespace dbsync
