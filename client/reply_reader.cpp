#include "client/reply_reader.hpp"

#include <string_view>

namespace dbsync {
namespace {

// A buffer left empty keeps at most this much memory: one huge reply must
// not pin its size on a connection that lives on (persistent connections).
constexpr size_t kMaxIdleBuffer = 64 * 1024;

}  // namespace

void ReplyReader::reset() {
    framer_.reset();
    std::string().swap(buf_);
    off_ = 0;
    error_.clear();
}

bool ReplyReader::feed(const char *data, size_t len) {
    if (!error_.empty()) return false;
    // Drop what was returned once it is at least as much as what is kept,
    // so each byte is moved O(1) times on average.
    if (off_ > 0 && off_ >= buf_.size() - off_) {
        buf_.erase(0, off_);
        off_ = 0;
    }
    buf_.append(data, len);
    return true;
}

ReplyReader::Result ReplyReader::next(Reply &out) {
    if (!error_.empty()) return Result::Error;
    FramedReply framed;
    switch (framer_.next(std::string_view(buf_).substr(off_), framed)) {
    case ReplyFramer::Result::NeedMore: return Result::NeedMore;
    case ReplyFramer::Result::Error: error_ = framer_.error(); return Result::Error;
    case ReplyFramer::Result::Reply: break;
    }
    std::string err;
    if (!decodeReply(framed.bytes, out, err, maxDepth_)) {
        error_ = err;
        return Result::Error;
    }
    off_ += framed.bytes.size();
    if (off_ == buf_.size()) {
        if (buf_.capacity() > kMaxIdleBuffer)
            std::string().swap(buf_);
        else
            buf_.clear();
        off_ = 0;
    }
    return Result::Reply;
}

}  // namespace dbsync
