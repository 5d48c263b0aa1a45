// Lets hiredis's async API run on dbsyncd's own EventLoop: hiredis asks for
// read/write interest through the ev hooks, and the loop calls back into
// redisAsyncHandleRead/Write. One adapter per database backend, reused
// across reconnects, so a late event for a freed context is harmless.
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
};

}  // namespace dbsync
