#include "client/fanout.hpp"

#include "common/log.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>

namespace dbsync {
namespace {

double millisBetween(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

// What server `c` did with command `i` of the call, once it has finished
// (Replied or Failed); `reason` is set for Error.
ServerStatus::State commandState(const ClientConnection &c, size_t i, std::string *reason) {
    const std::vector<Reply> &replies = c.replies();
    if (c.outcome() == ClientConnection::Outcome::Pending) {
        if (reason) *reason = "no reply yet";
        return ServerStatus::State::Pending;
    }
    if (i < replies.size()) {
        if (!replies[i].isError()) return ServerStatus::State::Ok;
        if (reason) *reason = replies[i].str;
        return ServerStatus::State::Error;
    }
    if (reason) *reason = c.error();
    return ServerStatus::State::Error;
}

// The message for a command the ack policy was not met for, naming every
// server that let it down with its reason. Servers still working on it are
// listed as "no reply yet" (they may well apply it).
std::string commandError(const std::vector<ClientConnection *> &conns, size_t i, size_t ok, size_t needed,
                         AckPolicy ack) {
    std::string detail, reason;
    size_t bad = 0;
    for (const ClientConnection *c : conns) {
        ServerStatus::State st = commandState(*c, i, &reason);
        if (st == ServerStatus::State::Ok) continue;
        if (st == ServerStatus::State::Error) bad++;
        if (!detail.empty()) detail += "; ";
        detail += c->name() + ": " + reason;
    }
    const size_t n = conns.size();
    if (n == 1) return detail;
    if (ack == AckPolicy::One) return "no server succeeded: " + detail;
    return std::string("ack=") + ackPolicyName(ack) + " needs " + std::to_string(needed) + " of " +
           std::to_string(n) + " servers, " + std::to_string(ok) + " succeeded, " + std::to_string(bad) +
           " failed: " + detail;
}

}  // namespace

PipelineResult fanoutPipeline(const std::vector<ClientConnection *> &conns, std::string_view requests,
                              size_t count, const FanoutOptions &options) {
    const size_t n = conns.size();
    const size_t needed = requiredSuccesses(options.ack, n);
    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline = start + std::chrono::milliseconds(options.timeoutMs);

    // Send to everyone first, so that a fast answer from one server never
    // delays the requests to the others.
    for (ClientConnection *c : conns) c->begin(requests, count, options.stream, start, deadline);

    // Per command: servers that succeeded / failed with it, and the first
    // server (by the time it finished) whose reply succeeded.
    std::vector<size_t> okCount(count, 0), badCount(count, 0);
    std::vector<long> winner(count, -1);
    std::vector<bool> counted(n, false);
    auto countFinished = [&] {
        for (size_t s = 0; s < n; s++) {
            if (counted[s] || conns[s]->outcome() == ClientConnection::Outcome::Pending) continue;
            counted[s] = true;
            for (size_t i = 0; i < count; i++) {
                if (commandState(*conns[s], i, nullptr) == ServerStatus::State::Ok) {
                    okCount[i]++;
                    if (winner[i] < 0) winner[i] = static_cast<long>(s);
                } else {
                    badCount[i]++;
                }
            }
        }
    };
    // Each count only grows, so a decided command stays decided and the
    // first undecided one only moves forward.
    auto decided = [&](size_t i) {
        return okCount[i] >= needed || badCount[i] > n - needed || okCount[i] + badCount[i] == n;
    };
    size_t firstUndecided = 0;

    std::vector<pollfd> fds;
    std::vector<ClientConnection *> polled;
    bool deadlinePassed = false;
    for (;;) {
        countFinished();
        while (firstUndecided < count && decided(firstUndecided)) firstUndecided++;
        if (firstUndecided == count) break;

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

    PipelineResult result;
    Clock::time_point end = Clock::now();
    for (ClientConnection *c : conns) c->end(deadlinePassed, options.timeoutMs);
    countFinished();  // servers the deadline has just failed

    result.nothingSent = true;
    for (ClientConnection *c : conns) {
        if (c->requestsTouched()) result.nothingSent = false;
        ServerStatus st;
        st.server = c->name();
        st.state = ServerStatus::State::Ok;
        std::string reason;
        for (size_t i = 0; i < count; i++) {
            ServerStatus::State s = commandState(*c, i, &reason);
            if (s == ServerStatus::State::Ok) continue;
            st.state = s;
            if (s == ServerStatus::State::Error)
                st.error = count > 1 ? "command #" + std::to_string(i) + ": " + reason : reason;
            break;
        }
        st.millis = millisBetween(start, c->outcome() == ClientConnection::Outcome::Pending ? end : c->finishedAt());
        result.servers.push_back(std::move(st));
    }

    result.commands.resize(count);
    for (size_t i = 0; i < count; i++) {
        PipelineResult::Command &cmd = result.commands[i];
        if (okCount[i] >= needed && winner[i] >= 0) {
            cmd.ok = true;
            cmd.reply = conns[winner[i]]->takeReply(i);
            continue;
        }
        cmd.error = commandError(conns, i, okCount[i], needed, options.ack);
        result.failed++;
        DBSYNC_TRACE("dbsync client: command #%zu failed: %s", i, cmd.error.c_str());
    }
    return result;
}

FanoutResult fanoutCall(const std::vector<ClientConnection *> &conns, std::string_view request,
                        const FanoutOptions &options) {
    PipelineResult p = fanoutPipeline(conns, request, 1, options);
    FanoutResult result;
    result.ok = p.commands[0].ok;
    result.reply = std::move(p.commands[0].reply);
    result.error = std::move(p.commands[0].error);
    result.servers = std::move(p.servers);
    return result;
}

}  // namespace dbsync
