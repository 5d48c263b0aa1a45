// Log lines about events a peer can cause at will (a rejected TLS
// handshake, for one): a peer must not decide how much dbsyncd writes to
// its log. At most N lines are written in any window of one second; the
// events past that are counted, and one line gives the count once the
// window is over (written by the next event or by the janitor's sweep).
#pragma once

#include <cstddef>
#include <cstdint>

namespace dbsync {

class LogLimiter {
public:
    // what: the events in the plural, for the count line ("TLS handshake
    // rejections"); flag: the option that sets perSecond, named there too.
    LogLimiter(const char *what, const char *flag, size_t perSecond)
        : what_(what), flag_(flag), perSecond_(perSecond) {}

    // True: log this event now. False: it is only counted.
    bool allow(uint64_t nowMs);
    // Called by the janitor: writes the count of a window that is over.
    void sweep(uint64_t nowMs);

private:
    void roll(uint64_t nowMs);

    const char *what_;
    const char *flag_;
    size_t perSecond_;
    uint64_t windowStartMs_ = 0;
    bool windowOpen_ = false;
    size_t logged_ = 0;        // lines written in the current window
    uint64_t suppressed_ = 0;  // events counted instead, not yet reported
};

}  // namespace dbsync
