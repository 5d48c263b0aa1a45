// Turns one framed RESP2 reply (common/reply_framer.hpp) into the client
// core's Reply tree.
//
// The tree is built without recursion, with an explicit stack of the arrays
// being filled, so its depth costs heap, not C stack. The depth is still
// bounded, because the callers that walk the tree (Reply's destructor, the
// PHP glue's conversion to zvals) do recurse.
#pragma once

#include "client/reply.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace dbsync {

// Deeper than any reply a script can build: Redis's Lua (EVAL, FCALL) gives
// up on a nested table at about 8,000 levels ("reached lua stack limit").
constexpr size_t kDefaultMaxReplyDepth = 10000;

// `bytes` is exactly one complete reply, as ReplyFramer framed it. Status,
// error and bulk replies keep their bytes; null bulk and null array both
// become Nil. False, with `error` set, when arrays nest more than
// `maxDepth` levels deep, or when the bytes are not one well-formed reply.
bool decodeReply(std::string_view bytes, Reply &out, std::string &error,
                 size_t maxDepth = kDefaultMaxReplyDepth);

}  // namespace dbsync
