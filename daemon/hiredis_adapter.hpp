// Lets hiredis's async API run on dbsyncd's own EventLoop: hiredis asks for
// read/write interest through the ev hooks, and the loop calls back into
// redisAsyncHandleRead/Write. One adapter per database backend, reused
// across reconnects, so a late event for a freed context is harmless.
//
// Writes on a connected context are not left to EPOLLOUT: the commands
// queued during a loop iteration are written by flushDeferredWrite() from
// the loop's before-sleep hook, as Redis writes its replies. That saves an
// epoll_ctl pair and a loop iteration per batch, which is most of a
// proxy's latency at low load. Only what the socket did not take waits for
// EPOLLOUT.
#pragma once

#include <cstdint>

#include "event_loop.hpp"

struct redisAsyncContext;

namespace dbsync {

class HiredisAdapter : public EventLoop::Handler {
public:
    explicit HiredisAdapter(EventLoop &loop) : loop_(loop) {}
    ~HiredisAdapter() { detach(); }

    // Hooks the context into the loop; false if the fd could not be added.
    bool attach(redisAsyncContext *ac);
    void onIo(uint32_t events) override;
    // Writes what hiredis has queued since the last call, if anything;
    // true if there was something to write.
    bool flushDeferredWrite();
    bool hasDeferredWrite() const { return writeDeferred_ && ac_; }
    // The socket did not take all of hiredis's output: the rest waits for
    // EPOLLOUT (and, while connecting, the connect itself does).
    bool waitsForWritable() const;

private:
    static void addRead(void *self);
    static void delRead(void *self);
    static void addWrite(void *self);
    static void delWrite(void *self);
    static void cleanup(void *self);
    void update(uint32_t mask);
    void detach();

    EventLoop &loop_;
    redisAsyncContext *ac_ = nullptr;
    int fd_ = -1;
    uint32_t mask_ = 0;
    bool writeDeferred_ = false;  // output queued, to be written before sleeping
    bool flushing_ = false;       // inside flushDeferredWrite(): a partial write arms EPOLLOUT
};

}  // namespace dbsync
