#include "pace.hpp"

#include <cstdio>
#include <thread>

namespace dbsync::check {

Pace::Pace(uint64_t rate, bool show, uint64_t expected)
    : rate_(rate), show_(show), expected_(expected), start_(Clock::now()), lastDraw_(start_) {}

double Pace::seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

void Pace::advance(uint64_t listed, uint64_t compared) {
    listed_ += listed;
    compared_ += compared;
    if (rate_) {
        // The time by which this many keys may have been read at --rate.
        auto due = start_ + std::chrono::microseconds(listed_ * 1000000 / rate_);
        if (due > Clock::now()) std::this_thread::sleep_until(due);
    }
    if (show_ && Clock::now() - lastDraw_ >= std::chrono::milliseconds(250)) draw();
}

void Pace::draw() {
    lastDraw_ = Clock::now();
    double secs = seconds();
    double perSec = secs > 0 ? listed_ / secs : 0;
    char line[160];
    if (expected_ > 0) {
        double pct = 100.0 * static_cast<double>(listed_) / static_cast<double>(expected_);
        if (pct > 100) pct = 100;
        double eta = perSec > 0 && expected_ > listed_ ? (expected_ - listed_) / perSec : 0;
        std::snprintf(line, sizeof line, "\r%llu keys compared, %.0f keys/s, %.1f%% of DBSIZE, ETA %.0f s   ",
                      static_cast<unsigned long long>(compared_), perSec, pct, eta);
    } else {
        std::snprintf(line, sizeof line, "\r%llu keys compared, %.0f keys/s   ",
                      static_cast<unsigned long long>(compared_), perSec);
    }
    std::fputs(line, stderr);
    std::fflush(stderr);
    drawn_ = true;
}

void Pace::finish() {
    if (drawn_) std::fputs("\r\033[K", stderr);
    drawn_ = false;
}

void sleepMs(uint64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace dbsync::check
