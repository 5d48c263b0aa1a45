#include "database_control.hpp"

#include <vector>

#include "fanout.hpp"
#include "resp_writer.hpp"

namespace dbsync {

DatabaseControl::DatabaseControl(EventLoop &loop, const DatabaseSpec &spec, std::string name, FanoutRequest *req)
    : spec_(spec), name_(std::move(name)), link_(loop, *this, ReplyFramerLimits{}), req_(req) {
    req_->retain();
}

DatabaseControl::~DatabaseControl() {
    link_.close();
    if (!done()) outcomeUnknown("dbsyncd is shutting down");
}

void DatabaseControl::start(std::string_view resp, uint64_t deadlineMs) {
    deadlineMs_ = deadlineMs;
    std::string why;
    if (!link_.open(spec_.address, why)) {
        notSent("control connection: " + why);
        return;
    }
    std::string bytes;
    if (!spec_.password.empty()) {
        std::vector<std::string> auth{"AUTH"};
        if (!spec_.user.empty()) auth.push_back(spec_.user);
        auth.push_back(spec_.password);
        resp::appendCommand(bytes, auth);
        authPending_ = true;
    }
    bytes.append(resp);
    link_.queue(bytes);
}

void DatabaseControl::onLinkReply(const FramedReply &reply) {
    if (done()) return;
    if (authPending_) {
        authPending_ = false;
        if (reply.isError()) {
            // The command behind it is answered without running: not applied.
            link_.close();
            notSent("control connection: AUTH failed: " + std::string(reply.bytes.substr(1, reply.bytes.size() - 3)));
        }
        return;
    }
    FanoutRequest *req = req_;
    req_ = nullptr;
    req->onReply(reply.bytes, reply.isError());
    req->release();
    link_.close();
}

void DatabaseControl::onLinkLost(const std::string &why) {
    // Whether Redis read the kill before the connection went is unknown.
    outcomeUnknown("control connection: " + why);
}

void DatabaseControl::checkTimeout(uint64_t nowMs) {
    if (done() || nowMs < deadlineMs_) return;
    link_.close();
    outcomeUnknown("control connection: no reply within --connect-timeout + --db-timeout");
}

void DatabaseControl::notSent(const std::string &why) {
    if (done()) return;
    FanoutRequest *req = req_;
    req_ = nullptr;
    req->onNotSent(name_ + ": " + why);
    req->release();
}

void DatabaseControl::outcomeUnknown(const std::string &why) {
    if (done()) return;
    FanoutRequest *req = req_;
    req_ = nullptr;
    req->onOutcomeUnknown(name_ + ": " + why);
    req->release();
}

}  // namespace dbsync
