// What a listening socket does when accept() fails for want of file
// descriptors (EMFILE, ENFILE) or kernel memory (ENOBUFS, ENOMEM). The
// connection stays in the backlog and the socket stays readable, so a
// level-triggered loop would call accept() again at once, forever, and log
// every failure. Instead the listener stops watching its socket until a
// descriptor is likely free again: when one of its connections closes
// (resume()), or at the janitor's next sweep. The episode lasts until
// every connection that waited has been taken: one line when it starts,
// one with its length and count when it ends.
#pragma once

#include <cstdint>

#include "event_loop.hpp"

namespace dbsync {

class AcceptPause {
public:
    // prefix: put before the log lines ("metrics: "), or "".
    AcceptPause(EventLoop &loop, const char *prefix) : loop_(loop), prefix_(prefix) {}

    // The listen socket, once it is open (fd -1: closed).
    void watch(int fd, EventLoop::Handler *handler) {
        fd_ = fd;
        handler_ = handler;
        paused_ = false;
    }

    // accept() failed with err: true if that was for want of resources,
    // and the socket is no longer watched.
    bool pauseOn(int err);
    // accept() found no connection waiting: an episode, if there was one,
    // is over.
    void drained();
    // Watches the socket again, if paused: the next accept() tells.
    void resume();

private:
    EventLoop &loop_;
    const char *prefix_;
    int fd_ = -1;
    EventLoop::Handler *handler_ = nullptr;
    bool paused_ = false;        // not watching the socket now
    bool inEpisode_ = false;     // accepts failing since episodeStartMs_
    uint64_t episodeStartMs_ = 0;
    uint64_t failures_ = 0;      // accept() calls failed in this episode
};

}  // namespace dbsync
