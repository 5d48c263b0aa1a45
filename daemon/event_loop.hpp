// The daemon's one event loop: epoll for sockets, a timerfd for timers,
// a signalfd for SIGTERM/SIGINT/SIGHUP. Everything dbsyncd does runs from
// here, on one thread, so no state needs a lock.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <unordered_map>
#include <vector>

struct epoll_event;

namespace dbsync {

class EventLoop {
public:
    // Anything that owns a file descriptor in the loop implements this.
    class Handler {
    public:
        virtual void onIo(uint32_t events) = 0;

    protected:
        ~Handler() = default;
    };

    using TimerId = uint64_t;
    using Callback = std::function<void()>;

    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop &) = delete;
    EventLoop &operator=(const EventLoop &) = delete;

    bool ok() const { return epfd_ >= 0 && timerfd_ >= 0; }

    // Registers fd for EPOLLIN/EPOLLOUT interest; set() changes it, remove() drops it.
    bool add(int fd, uint32_t events, Handler *handler);
    bool set(int fd, uint32_t events, Handler *handler);
    void remove(int fd);

    // One-shot timer; the id stays unique for the life of the loop.
    TimerId addTimer(uint64_t delayMs, Callback cb);
    void cancelTimer(TimerId id);

    // Called before each wait: the place to flush output gathered during
    // the iteration, so many replies leave in one write(), and to free
    // what was closed during it (Server::beforeSleep, see server.hpp).
    void setBeforeSleep(Callback cb) { beforeSleep_ = std::move(cb); }
    // From the before-sleep hook: output was held back, so the coming wait
    // must end within `us` microseconds even if nothing happens.
    void wakeWithinUs(uint64_t us) { wakeWithinUs_ = us < wakeWithinUs_ ? us : wakeWithinUs_; }
    // Called from the loop when one of the watched signals arrives.
    void setSignalHandler(std::function<void(int)> cb) { onSignal_ = std::move(cb); }

    // Before sleeping, keep looking for events for up to `us` microseconds
    // (0: never), when the last gap between events was that short; see
    // --busy-poll.
    void setBusyPollUs(uint64_t us) { busyPollUs_ = us; }

    void run();
    void stop() { running_ = false; }

    // Monotonic time, read once per iteration when epoll_wait returns, as
    // Redis caches its clock: per-command latency stamps then cost nothing,
    // and everything done in one iteration shares one "now".
    uint64_t nowMs() const { return nowMs_; }
    uint64_t nowUs() const { return nowUs_; }
    void refreshNow();
    // The clock itself, for the few places that must not use the cached time.
    static uint64_t monotonicUs();

private:
    struct TimerEntry {
        uint64_t deadline;
        TimerId id;
        bool operator>(const TimerEntry &o) const {
            return deadline != o.deadline ? deadline > o.deadline : id > o.id;
        }
    };
    void armTimerfd();
    static constexpr uint64_t kForever = UINT64_MAX;
    // epoll_wait for up to `us` microseconds (kForever: no limit).
    int waitFor(struct epoll_event *events, int maxEvents, uint64_t us);
    int pollThenWait(struct epoll_event *events, int maxEvents, uint64_t us);
    void runTimers();
    void readSignals();

    int epfd_ = -1;
    int timerfd_ = -1;
    int sigfd_ = -1;
    bool running_ = false;
    uint64_t nowMs_ = 0;
    uint64_t nowUs_ = 0;
    TimerId nextTimer_ = 1;
    uint64_t armedFor_ = 0;
    std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timers_;
    std::unordered_map<TimerId, Callback> callbacks_;
    Callback beforeSleep_;
    uint64_t wakeWithinUs_ = kForever;
    uint64_t busyPollUs_ = 0;
    bool havePwait2_ = true;
    uint64_t lastGapUs_ = 0;  // how long the last wait lasted
    std::function<void(int)> onSignal_;
    // Sentinel handlers for the loop's own descriptors.
    struct Internal : Handler {
        Internal(EventLoop *l, int w) : loop(l), which(w) {}
        EventLoop *loop;
        int which;
        void onIo(uint32_t) override;
    };
    Internal timerHandler_{this, 0};
    Internal signalHandler_{this, 1};
};

}  // namespace dbsync
