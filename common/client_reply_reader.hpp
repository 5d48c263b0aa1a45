// Incremental RESP reply parser for the client core.
//
// Wraps hiredis' redisReader, using only the calls that hiredis 0.14 and 1.x
// share (redisReaderCreate/Feed/GetReply/Free, freeReplyObject), and turns
// each redisReply into a dbsync::Reply so that the rest of the client never
// sees hiredis types. Bytes can be fed in any split; replies come out whole
// and in order, which is what lets a connection drop late replies of earlier
// calls by simply counting them.
#pragma once

#include "client_reply.hpp"

#include <cstddef>
#include <string>

struct redisReader;

namespace dbsync {

class ReplyReader {
public:
    ReplyReader();
    ~ReplyReader();
    ReplyReader(const ReplyReader &) = delete;
    ReplyReader &operator=(const ReplyReader &) = delete;

    enum class Result { Reply, NeedMore, Error };

    // Appends raw bytes from the server. False (and error()) when hiredis
    // refuses them; the connection must then be closed.
    bool feed(const char *data, size_t len);

    // Extracts the next complete reply, if any. After Error the stream is
    // out of sync and the connection must be closed.
    Result next(Reply &out);

    // Drops any partial input (used when a connection is closed and reused).
    void reset();

    const std::string &error() const { return error_; }

private:
    redisReader *reader_ = nullptr;
    std::string error_;
};

}  // namespace dbsync
