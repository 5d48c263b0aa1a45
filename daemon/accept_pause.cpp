#include "accept_pause.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/epoll.h>

#include "log.hpp"

namespace dbsync {

bool AcceptPause::pauseOn(int err) {
    if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) return false;
    failures_++;
    if (!inEpisode_) {
        inEpisode_ = true;
        episodeStartMs_ = loop_.nowMs();
        LOG_WARN("%saccept: %s: not accepting new connections until a descriptor is free "
                 "(raise the open-file limit: LimitNOFILE= under systemd, ulimit -n otherwise)",
                 prefix_, std::strerror(err));
    }
    if (fd_ >= 0 && !paused_) {
        paused_ = true;
        loop_.set(fd_, 0, handler_);
    }
    return true;
}

void AcceptPause::drained() {
    if (!inEpisode_) return;
    inEpisode_ = false;
    LOG_NOTICE("%saccepting connections again after %llu ms (%llu accept%s failed)", prefix_,
               static_cast<unsigned long long>(loop_.nowMs() - episodeStartMs_),
               static_cast<unsigned long long>(failures_), failures_ == 1 ? "" : "s");
    failures_ = 0;
}

void AcceptPause::resume() {
    if (!paused_ || fd_ < 0) return;
    paused_ = false;
    loop_.set(fd_, EPOLLIN, handler_);
    // Nobody waiting any more (they were all taken, or gave up): the loop
    // would not call accept() to find that out, so look now.
    struct pollfd p = {fd_, POLLIN, 0};
    if (poll(&p, 1, 0) == 0) drained();
}

}  // namespace dbsync
