#include "journal_sync.hpp"

#include <cerrno>
#include <system_error>
#include <unistd.h>

namespace dbsync {

JournalSyncer::~JournalSyncer() {
    if (thread_.joinable()) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            stop_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }
    // Jobs queued when the thread could not start are done in submit(); none is left.
}

bool JournalSyncer::start() {
    if (thread_.joinable()) return true;
    try {
        thread_ = std::thread([this] { run(); });
    } catch (const std::system_error &) {
        return false;
    }
    return true;
}

void JournalSyncer::submit(int fd, Kind kind) {
    if (!thread_.joinable()) {
        doJob({fd, kind});
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mu_);
        bool activeWaits = false;
        if (kind == Kind::Active) {
            for (const Job &j : queue_) activeWaits = activeWaits || j.kind == Kind::Active;
        }
        if (!activeWaits) {
            queue_.push_back({fd, kind});
            fd = -1;
        }
    }
    if (fd >= 0) {
        ::close(fd);
        return;
    }
    wake_.notify_one();
}

void JournalSyncer::waitIdle() {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

bool JournalSyncer::activePending() {
    std::lock_guard<std::mutex> lock(mu_);
    if (activeRunning_) return true;
    for (const Job &j : queue_) {
        if (j.kind == Kind::Active) return true;
    }
    return false;
}

std::string JournalSyncer::lastError() {
    std::lock_guard<std::mutex> lock(mu_);
    return lastError_;
}

void JournalSyncer::run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stop_, and nothing left to sync
        Job job = queue_.front();
        queue_.pop_front();
        busy_ = true;
        activeRunning_ = job.kind == Kind::Active;
        lock.unlock();
        doJob(job);
        lock.lock();
        busy_ = false;
        activeRunning_ = false;
        if (queue_.empty()) idle_.notify_all();
    }
}

void JournalSyncer::doJob(const Job &job) {
    int rc;
    do {
        rc = job.kind == Kind::Directory ? ::fsync(job.fd) : ::fdatasync(job.fd);
    } while (rc != 0 && errno == EINTR);
    const int err = rc != 0 ? errno : 0;
    ::close(job.fd);
    if (err == 0) {
        syncs_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    failures_.fetch_add(1, std::memory_order_relaxed);
    std::string what = std::string(job.kind == Kind::Directory ? "fsync of the journal directory" : "fdatasync of a journal segment") +
                       ": " + std::error_code(err, std::generic_category()).message();
    std::lock_guard<std::mutex> lock(mu_);
    lastError_ = std::move(what);
}

}  // namespace dbsync
