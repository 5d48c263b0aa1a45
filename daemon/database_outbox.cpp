#include "database_outbox.hpp"

#include <utility>

namespace dbsync {
namespace {

// Bytes kept allocated once everything is written: a burst (large values
// for a slow database) does not stay allocated for good.
constexpr size_t kIdleBytesKeep = 64 * 1024;

}  // namespace

size_t DatabaseOutbox::requestsWritten() const {
    size_t n = 0;
    for (size_t i = 0; i < written_; i++) n += entries_[i].req != nullptr;
    return n;
}

size_t DatabaseOutbox::requestsUnwritten() const {
    size_t n = 0;
    for (size_t i = written_; i < entries_.size(); i++) n += entries_[i].req != nullptr;
    return n;
}

void DatabaseOutbox::push(FanoutRequest *req, std::string_view resp, uint64_t nowUs, uint64_t seq, uint32_t replies,
                          uint8_t shape) {
    bytes_.append(resp);
    entries_.push_back({req, nowUs, 0, resp.size(), seq, replies, shape});
}

DatabaseOutbox::Entry DatabaseOutbox::popAnswered() {
    Entry e = entries_.front();
    entries_.pop_front();
    written_--;
    return e;
}

DatabaseOutbox::Taken DatabaseOutbox::takeAll() {
    Taken t{std::move(entries_), written_};
    entries_.clear();
    written_ = 0;
    bytes_.consume(bytes_.size());
    bytes_.shrinkIfIdle(kIdleBytesKeep);
    return t;
}

void DatabaseOutbox::consumeBytes(size_t n) {
    bytes_.consume(n);
    bytes_.shrinkIfIdle(kIdleBytesKeep);
}

}  // namespace dbsync
