#include "event_loop.hpp"

#include <cerrno>
#include <csignal>
#include <climits>
#include <cstring>
#include <ctime>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.hpp"

namespace dbsync {

uint64_t EventLoop::monotonicUs() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

EventLoop::EventLoop() {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    timerfd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    // Signals become readable events so their handling runs in the loop,
    // not in an async-signal context.
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    sigfd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    refreshNow();
    if (epfd_ >= 0 && timerfd_ >= 0) add(timerfd_, EPOLLIN, &timerHandler_);
    if (epfd_ >= 0 && sigfd_ >= 0) add(sigfd_, EPOLLIN, &signalHandler_);
}

EventLoop::~EventLoop() {
    if (sigfd_ >= 0) close(sigfd_);
    if (timerfd_ >= 0) close(timerfd_);
    if (epfd_ >= 0) close(epfd_);
}

void EventLoop::refreshNow() {
    nowUs_ = monotonicUs();
    nowMs_ = nowUs_ / 1000u;
}

bool EventLoop::add(int fd, uint32_t events, Handler *handler) {
    struct epoll_event ev{};
    ev.events = events;
    ev.data.ptr = handler;
    return epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::set(int fd, uint32_t events, Handler *handler) {
    struct epoll_event ev{};
    ev.events = events;
    ev.data.ptr = handler;
    return epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::remove(int fd) { epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

EventLoop::TimerId EventLoop::addTimer(uint64_t delayMs, Callback cb) {
    TimerId id = nextTimer_++;
    callbacks_.emplace(id, std::move(cb));
    timers_.push({nowMs_ + delayMs, id});
    armTimerfd();
    return id;
}

void EventLoop::cancelTimer(TimerId id) { callbacks_.erase(id); }

void EventLoop::armTimerfd() {
    // Drop cancelled entries so the timerfd never wakes us for nothing.
    while (!timers_.empty() && !callbacks_.count(timers_.top().id)) timers_.pop();
    uint64_t deadline = timers_.empty() ? 0 : timers_.top().deadline;
    if (deadline == armedFor_) return;
    armedFor_ = deadline;
    struct itimerspec its{};
    if (deadline != 0) {
        uint64_t now = monotonicUs() / 1000u;
        uint64_t delay = deadline > now ? deadline - now : 0;
        // A zero it_value would disarm the timer: fire "now" as 1 µs.
        its.it_value.tv_sec = static_cast<time_t>(delay / 1000u);
        its.it_value.tv_nsec = static_cast<long>((delay % 1000u) * 1000000u);
        if (delay == 0) its.it_value.tv_nsec = 1000;
    }
    timerfd_settime(timerfd_, 0, &its, nullptr);
}

void EventLoop::runTimers() {
    uint64_t expirations;
    while (read(timerfd_, &expirations, sizeof expirations) > 0) {
    }
    armedFor_ = 0;
    refreshNow();
    while (!timers_.empty() && timers_.top().deadline <= nowMs_) {
        TimerId id = timers_.top().id;
        timers_.pop();
        auto it = callbacks_.find(id);
        if (it == callbacks_.end()) continue;
        Callback cb = std::move(it->second);
        callbacks_.erase(it);
        cb();
    }
    armTimerfd();
}

void EventLoop::readSignals() {
    struct signalfd_siginfo si;
    while (read(sigfd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        if (onSignal_) onSignal_(static_cast<int>(si.ssi_signo));
    }
}

void EventLoop::Internal::onIo(uint32_t) {
    if (which == 0)
        loop->runTimers();
    else
        loop->readSignals();
}

int EventLoop::waitFor(struct epoll_event *events, int maxEvents, uint64_t us) {
    if (us == kForever) return epoll_wait(epfd_, events, maxEvents, -1);
    if (havePwait2_) {
        // Microsecond precision: a held write leaves when it is due, not at
        // the next millisecond.
        struct timespec ts;
        ts.tv_sec = static_cast<time_t>(us / 1000000u);
        ts.tv_nsec = static_cast<long>((us % 1000000u) * 1000u);
        int n = epoll_pwait2(epfd_, events, maxEvents, &ts, nullptr);
        if (n >= 0 || errno != ENOSYS) return n;
        havePwait2_ = false;  // a kernel before 5.11
    }
    // Milliseconds, rounded up: never looked at before its time.
    uint64_t ms = (us + 999) / 1000;
    return epoll_wait(epfd_, events, maxEvents, ms > INT_MAX ? INT_MAX : static_cast<int>(ms));
}

int EventLoop::pollThenWait(struct epoll_event *events, int maxEvents, uint64_t us) {
    // Spin only while the gaps between events have lately been short enough
    // for a spin to catch the next one (a client sending one command after
    // another, a database microseconds away). Sporadic traffic finds the
    // last gap long and sleeps at once, so a quiet dbsyncd costs no CPU.
    uint64_t start = monotonicUs();
    if (lastGapUs_ <= busyPollUs_) {
        uint64_t budget = busyPollUs_ < us ? busyPollUs_ : us;
        uint64_t now = start;
        int n;
        while ((n = epoll_wait(epfd_, events, maxEvents, 0)) == 0 && (now = monotonicUs()) - start < budget) {
        }
        if (n != 0 || (us != kForever && now - start >= us)) {
            lastGapUs_ = now - start;
            return n;  // events, an error, or the wake-up is due
        }
        if (us != kForever) us -= now - start;
    }
    int n = waitFor(events, maxEvents, us);
    lastGapUs_ = monotonicUs() - start;
    return n;
}

void EventLoop::run() {
    running_ = true;
    constexpr int kMaxEvents = 256;
    struct epoll_event events[kMaxEvents];
    while (running_) {
        wakeWithinUs_ = kForever;
        if (beforeSleep_) beforeSleep_();
        if (!running_) break;
        armTimerfd();
        int n = busyPollUs_ ? pollThenWait(events, kMaxEvents, wakeWithinUs_)
                            : waitFor(events, kMaxEvents, wakeWithinUs_);
        if (n < 0) {
            if (errno == EINTR) continue;
            LOG_ERROR("epoll_wait: %s", std::strerror(errno));
            break;
        }
        refreshNow();
        for (int i = 0; i < n; i++) static_cast<Handler *>(events[i].data.ptr)->onIo(events[i].events);
    }
}

}  // namespace dbsync
