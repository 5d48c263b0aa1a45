// Incremental RESP reply reader for the client core.
//
// Bytes from the server are buffered; ReplyFramer (common/reply_framer.hpp)
// finds where each reply ends, at any depth, and decodeReply()
// (client/reply_decoder.hpp) turns it into a dbsync::Reply, so the
// rest of the client never sees the wire format. Bytes can be fed in any
// split; replies come out whole and in order, which is what lets a
// connection drop late replies of earlier calls by simply counting them,
// and tell a reply nobody asked for by the bytes left over.
#pragma once

#include "client/reply.hpp"
#include "client/reply_decoder.hpp"
#include "common/reply_framer.hpp"

#include <cstddef>
#include <string>

namespace dbsync {

class ReplyReader {
public:
    explicit ReplyReader(size_t maxDepth = kDefaultMaxReplyDepth) : maxDepth_(maxDepth) {}
    ReplyReader(const ReplyReader &) = delete;
    ReplyReader &operator=(const ReplyReader &) = delete;

    enum class Result { Reply, NeedMore, Error };

    // Appends raw bytes from the server. False (and error()) once the
    // stream has failed; the connection must then be closed.
    bool feed(const char *data, size_t len);

    // Extracts the next complete reply, if any. After Error the stream is
    // out of sync (or held a reply too deep to decode) and the connection
    // must be closed.
    Result next(Reply &out);

    // True when bytes after the last reply handed out are held: a reply, or
    // part of one, that next() has not returned yet.
    bool hasBufferedInput() const { return off_ < buf_.size(); }

    // Drops any partial input (used when a connection is closed and reused).
    void reset();

    const std::string &error() const { return error_; }

private:
    size_t maxDepth_;
    ReplyFramer framer_;
    std::string buf_;  // buf_[off_..] not yet returned; the next reply starts at off_
    size_t off_ = 0;
    std::string error_;
};

}  // namespace dbsync
