#include "log_limiter.hpp"

#include "log.hpp"

namespace dbsync {
namespace {

constexpr uint64_t kWindowMs = 1000;

}  // namespace

void LogLimiter::roll(uint64_t nowMs) {
    if (windowOpen_ && nowMs - windowStartMs_ < kWindowMs) return;
    if (suppressed_ > 0) {
        LOG_WARN("%llu more %s not logged (%s %zu)", static_cast<unsigned long long>(suppressed_), what_, flag_,
                 perSecond_);
    }
    windowOpen_ = false;
    logged_ = 0;
    suppressed_ = 0;
}

bool LogLimiter::allow(uint64_t nowMs) {
    roll(nowMs);
    if (!windowOpen_) {
        // A window starts with the first event after a quiet spell.
        windowOpen_ = true;
        windowStartMs_ = nowMs;
    }
    if (logged_ < perSecond_) {
        logged_++;
        return true;
    }
    suppressed_++;
    return false;
}

void LogLimiter::sweep(uint64_t nowMs) {
    if (windowOpen_) roll(nowMs);
}

}  // namespace dbsync
