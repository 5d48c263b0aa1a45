// Sends one command to several servers at once and applies the ack policy.
//
// This is the heart of dbsync_send(): every connection gets the request
// before the first poll(), then one poll() loop waits for all of them until
// the ack policy is met, cannot be met any more, or dbsync.timeout (which
// bounds the whole call, connects included) runs out. Servers that have not
// answered when the call returns keep their connection: their reply is read
// and dropped before that connection carries another request.
#pragma once

#include "ack_policy.hpp"
#include "client_connection.hpp"
#include "client_reply.hpp"
#include "client_stream.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace dbsync {

struct FanoutOptions {
    int timeoutMs = 3000;
    AckPolicy ack = AckPolicy::One;
    StreamConfig stream;
};

struct ServerStatus {
    enum class State { Ok, Error, Pending };
    std::string server;
    State state = State::Pending;
    std::string error;      // Error: the reason (a Redis error reply or an I/O failure)
    double millis = 0;      // from the start of the call to its answer (or the call's end)
};

struct FanoutResult {
    bool ok = false;
    Reply reply;             // when ok: the first successful reply
    std::string error;       // when !ok: names the servers and reasons
    std::vector<ServerStatus> servers;  // in the order given
};

// `request` is one complete RESP command. Connections may be reused from
// earlier calls and stay usable afterwards.
FanoutResult fanoutCall(const std::vector<ClientConnection *> &conns, std::string_view request,
                        const FanoutOptions &options);

}  // namespace dbsync
