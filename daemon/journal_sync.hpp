// The journal's background fdatasync, for --journal-fsync everysec: the
// loop thread writes, this thread makes it durable about once a second, so
// a slow disk delays durability, not clients.
//
// The loop thread hands over descriptors it owns no more: a dup() of the
// active segment's (so rotating or closing the segment on the loop thread
// never races with a sync in progress), a finished segment's own, or the
// directory's after a segment was created. The thread syncs each and closes
// it. Shared state is under one mutex; counters are atomics read by the
// loop thread. The destructor syncs what is queued, then joins.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace dbsync {

class JournalSyncer {
public:
    enum class Kind {
        Active,     // a dup() of the active segment's descriptor: fdatasync
        Finished,   // a segment no longer written to: fdatasync
        Directory,  // the journal directory: fsync
    };

    JournalSyncer() = default;
    ~JournalSyncer();
    JournalSyncer(const JournalSyncer &) = delete;
    JournalSyncer &operator=(const JournalSyncer &) = delete;

    // Starts the thread; false (and syncs then run in submit()) if it cannot.
    bool start();
    bool running() const { return thread_.joinable(); }
    // Takes ownership of fd: it is synced and closed, on the thread if it
    // runs. An Active job while another Active one still waits is not
    // queued (fd is closed): the waiting one covers the same file.
    void submit(int fd, Kind kind);
    // Returns once every submitted job is done (tests, shutdown).
    void waitIdle();
    // True if an Active job waits or runs (the loop thread then need not ask again).
    bool activePending();

    uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }
    uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }
    std::string lastError();

private:
    struct Job {
        int fd;
        Kind kind;
    };
    void run();
    void doJob(const Job &job);

    std::mutex mu_;
    std::condition_variable wake_;  // a job was queued, or stop_
    std::condition_variable idle_;  // the queue emptied and no job runs
    std::deque<Job> queue_;
    bool busy_ = false;             // the thread is running a job
    bool activeRunning_ = false;
    bool stop_ = false;
    std::string lastError_;
    std::atomic<uint64_t> syncs_{0};
    std::atomic<uint64_t> failures_{0};
    std::thread thread_;
};

}  // namespace dbsync
