// One SCRIPT KILL or FUNCTION KILL for one database, on a connection of
// its own.
//
// The shared command connection cannot carry these: it is the connection
// the busy script runs on, so Redis reads nothing more from it until the
// script ends, and the kill would wait behind the very script it is meant
// to stop. Redis does take them from any other connection while it is
// busy, so each kill opens one: AUTH when the database needs it (no
// SELECT: the kill is not about a numbered database), the command, its
// reply, close. The reply goes to the FanoutRequest like any other, so the
// ack policy answers the client as for a forwarded command.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "database_link.hpp"
#include "options.hpp"

namespace dbsync {

class FanoutRequest;

class DatabaseControl : private DatabaseLink::Owner {
public:
    // Holds a reference to req until it has an outcome; `name` labels the
    // database in failure messages.
    DatabaseControl(EventLoop &loop, const DatabaseSpec &spec, std::string name, FanoutRequest *req);
    // Still unanswered (dbsyncd is shutting down): the outcome is unknown.
    ~DatabaseControl();
    DatabaseControl(const DatabaseControl &) = delete;
    DatabaseControl &operator=(const DatabaseControl &) = delete;

    // Connects and queues AUTH and `resp`; the request learns the outcome
    // now (the connection failed at once) or later.
    void start(std::string_view resp, uint64_t deadlineMs);
    bool done() const { return req_ == nullptr; }
    // From the janitor: no reply by the deadline fails it.
    void checkTimeout(uint64_t nowMs);

private:
    void onLinkUp() override {}
    void onLinkReply(const FramedReply &reply) override;
    void onLinkLost(const std::string &why) override;
    void notSent(const std::string &why);
    void outcomeUnknown(const std::string &why);

    DatabaseSpec spec_;
    std::string name_;
    DatabaseLink link_;
    FanoutRequest *req_;
    bool authPending_ = false;
    uint64_t deadlineMs_ = 0;
};

}  // namespace dbsync
