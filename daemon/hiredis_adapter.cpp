#include "hiredis_adapter.hpp"

#include <hiredis/async.h>
#include <sys/epoll.h>

namespace dbsync {

bool HiredisAdapter::attach(redisAsyncContext *ac) {
    detach();
    ac_ = ac;
    fd_ = ac->c.fd;
    mask_ = 0;
    ac->ev.data = this;
    ac->ev.addRead = addRead;
    ac->ev.delRead = delRead;
    ac->ev.addWrite = addWrite;
    ac->ev.delWrite = delWrite;
    ac->ev.cleanup = cleanup;
    if (!loop_.add(fd_, 0, this)) {
        ac_ = nullptr;
        fd_ = -1;
        return false;
    }
    return true;
}

void HiredisAdapter::detach() {
    if (fd_ >= 0) loop_.remove(fd_);
    ac_ = nullptr;
    fd_ = -1;
    mask_ = 0;
    writeDeferred_ = false;
}

void HiredisAdapter::update(uint32_t mask) {
    if (mask == mask_ || fd_ < 0) return;
    mask_ = mask;
    loop_.set(fd_, mask_, this);
}

void HiredisAdapter::addRead(void *self) {
    auto *a = static_cast<HiredisAdapter *>(self);
    a->update(a->mask_ | EPOLLIN);
}
void HiredisAdapter::delRead(void *self) {
    auto *a = static_cast<HiredisAdapter *>(self);
    a->update(a->mask_ & ~static_cast<uint32_t>(EPOLLIN));
}
void HiredisAdapter::addWrite(void *self) {
    auto *a = static_cast<HiredisAdapter *>(self);
    // While connecting, EPOLLOUT is how the connect completes.
    if (a->ac_ && (a->ac_->c.flags & REDIS_CONNECTED) && !a->flushing_) {
        a->writeDeferred_ = true;
        return;
    }
    a->update(a->mask_ | EPOLLOUT);
}
void HiredisAdapter::delWrite(void *self) {
    auto *a = static_cast<HiredisAdapter *>(self);
    a->writeDeferred_ = false;
    a->update(a->mask_ & ~static_cast<uint32_t>(EPOLLOUT));
}
void HiredisAdapter::cleanup(void *self) { static_cast<HiredisAdapter *>(self)->detach(); }

bool HiredisAdapter::waitsForWritable() const { return ac_ && (mask_ & EPOLLOUT); }

bool HiredisAdapter::flushDeferredWrite() {
    if (!hasDeferredWrite()) return false;
    writeDeferred_ = false;
    // hiredis answers with delWrite (all written) or addWrite (the rest
    // waits for EPOLLOUT), or tears the context down on an error; this
    // adapter outlives the context either way.
    flushing_ = true;
    redisAsyncHandleWrite(ac_);
    flushing_ = false;
    return true;
}

void HiredisAdapter::onIo(uint32_t events) {
    // Errors and hang-ups are reported through whichever side hiredis is
    // waiting on; its read or write then sees the error and tears down.
    const uint32_t trouble = EPOLLERR | EPOLLHUP;
    if (ac_ && (mask_ & EPOLLIN) && (events & (EPOLLIN | trouble))) redisAsyncHandleRead(ac_);
    if (ac_ && (mask_ & EPOLLOUT) && (events & (EPOLLOUT | trouble))) redisAsyncHandleWrite(ac_);
}

}  // namespace dbsync
