// How fast the check goes and how it shows it: --rate's cap on keys per
// second, and the progress line on a terminal (keys/s, percent of DBSIZE, ETA).
#pragma once

#include <chrono>
#include <cstdint>

namespace dbsync::check {

class Pace {
public:
    // rate: keys per second, 0 for no cap. show: draw the progress line
    // (stderr is a terminal and not --quiet). expected: keys to list (sum of DBSIZE).
    Pace(uint64_t rate, bool show, uint64_t expected);

    // `listed` more keys were read; sleeps as long as --rate needs, redraws now and then.
    void advance(uint64_t listed, uint64_t compared);
    // Clears the progress line.
    void finish();

    double seconds() const;

private:
    using Clock = std::chrono::steady_clock;
    void draw();

    uint64_t rate_;
    bool show_;
    uint64_t expected_;
    uint64_t listed_ = 0, compared_ = 0;
    Clock::time_point start_, lastDraw_;
    bool drawn_ = false;
};

// Sleeps for ms milliseconds.
void sleepMs(uint64_t ms);

}  // namespace dbsync::check
