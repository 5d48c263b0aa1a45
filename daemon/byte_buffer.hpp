// A growable byte buffer with a read cursor: bytes are appended at the end
// and consumed from the front without moving memory on every consume.
// Used for client input and output; unlike std::string it never zero-fills
// the space a read() is about to overwrite.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace dbsync {

class ByteBuffer {
public:
    size_t size() const { return end_ - start_; }
    bool empty() const { return end_ == start_; }
    size_t capacity() const { return cap_; }
    std::string_view view() const { return {data_.get() + start_, end_ - start_}; }
    const char *data() const { return data_.get() + start_; }

    // Returns space for at least n more bytes; commit() what was filled.
    char *prepare(size_t n) {
        if (cap_ - end_ < n) makeRoom(n);
        return data_.get() + end_;
    }
    void commit(size_t n) { end_ += n; }

    void append(std::string_view bytes) {
        std::memcpy(prepare(bytes.size()), bytes.data(), bytes.size());
        commit(bytes.size());
    }

    // Keeps a NUL byte just past the data (not counted in size()), so that
    // a scan of a request with C string functions stops inside our buffer.
    void terminate() {
        *prepare(1) = '\0';
    }

    void consume(size_t n) {
        start_ += n;
        if (start_ == end_) start_ = end_ = 0;
    }

    // Gives memory back after a burst (a large request or reply), so idle
    // connections stay small.
    void shrinkIfIdle(size_t keep) {
        if (empty() && cap_ > keep) {
            data_.reset();
            cap_ = 0;
            start_ = end_ = 0;
        }
    }

private:
    void makeRoom(size_t n) {
        size_t used = end_ - start_;
        if (start_ > 0 && cap_ - used >= n && used < cap_ / 2) {
            std::memmove(data_.get(), data_.get() + start_, used);
        } else {
            size_t want = cap_ ? cap_ : 4096;
            while (want < used + n) want *= 2;
            std::unique_ptr<char[]> bigger(new char[want]);
            if (used) std::memcpy(bigger.get(), data_.get() + start_, used);
            data_ = std::move(bigger);
            cap_ = want;
        }
        start_ = 0;
        end_ = used;
    }

    std::unique_ptr<char[]> data_;
    size_t cap_ = 0;
    size_t start_ = 0;
    size_t end_ = 0;
};

}  // namespace dbsync
