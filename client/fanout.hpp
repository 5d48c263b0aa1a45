// Sends one command, or a pipeline of several, to several servers at once
// and applies the ack policy to each command.
//
// This is the heart of dbsync_send() and dbsync_send_many(): every
// connection gets all the requests before the first poll(), then one poll()
// loop waits for all of them until the ack policy of every command is met,
// cannot be met any more, or dbsync.timeout (which bounds the whole call,
// connects included) runs out. A server counts for a command once it has
// answered all of the call's commands (or failed): a server that sent a
// reply nobody asked for may have shifted any of them. Servers that have not
// answered when the call returns keep their connection: their replies are
// read and dropped before that connection carries another request.
#pragma once

#include "common/ack_policy.hpp"
#include "client/connection.hpp"
#include "client/reply.hpp"
#include "client/stream.hpp"

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

struct PipelineResult {
    struct Command {
        bool ok = false;
        Reply reply;         // when ok: the first successful reply
        std::string error;   // when !ok: names the servers and reasons, as FanoutResult::error
    };
    std::vector<Command> commands;      // one per request, in order
    size_t failed = 0;                  // commands that are !ok
    // No byte of the call reached any server (every one refused, unreachable,
    // or its key failed): the caller may report the call as not sent at all.
    bool nothingSent = false;
    // Per server, in the order given: Ok when it succeeded with every
    // command; Error names its first failure ("command #i: reason" when
    // there is more than one command).
    std::vector<ServerStatus> servers;
};

// `requests` holds `count` >= 1 complete RESP commands back to back; every
// server gets them in one write, in this order.
PipelineResult fanoutPipeline(const std::vector<ClientConnection *> &conns, std::string_view requests,
                              size_t count, const FanoutOptions &options);

}  // namespace dbsync
