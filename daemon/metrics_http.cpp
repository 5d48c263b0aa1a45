#include "metrics_http.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen_socket.hpp"
#include "log.hpp"
#include "version.hpp"

namespace dbsync {

// --------------------------------------------------------------- connection

// One scrape: read the request head, answer, close. Never keeps a
// connection open for a second request.
class MetricsHttp::Conn final : public EventLoop::Handler {
public:
    Conn(MetricsHttp &owner, int fd, bool turnAway) : owner_(owner), fd_(fd), turnAway_(turnAway) {
        owner_.loop_.add(fd_, EPOLLIN | EPOLLRDHUP, this);
        deadlineMs_ = owner_.loop_.nowMs() + owner_.limits_.readTimeoutMs;
    }
    ~Conn() { close(); }
    bool turnAway() const { return turnAway_; }

    // The janitor's sweep (MetricsHttp::expire): the request head did not
    // arrive in time, or the peer neither collects its answer nor closes.
    uint64_t deadlineMs() const { return deadlineMs_; }
    void onTimeout() {
        if (fd_ < 0) return;
        if (responding_) return finish();  // a peer that does not read its answer, or lingers
        // A scraper that never finished its request, or a port scanner.
        respond(408, "Request Timeout", "request not received in time\n");
    }

    void close() {
        if (fd_ < 0) return;
        owner_.loop_.remove(fd_);
        ::close(fd_);
        fd_ = -1;
    }

    // Answers with an error page (or the metrics) and closes once written.
    void respond(int status, const char *reason, const std::string &body, const char *extraHeaders = "",
                 bool headOnly = false) {
        if (responding_) return;
        responding_ = true;
        if (status == 200)
            owner_.requests++;
        else
            owner_.errors++;
        char head[512];
        int n = std::snprintf(head, sizeof head,
                              "HTTP/1.1 %d %s\r\n"
                              "Content-Type: %s\r\n"
                              "Content-Length: %zu\r\n"
                              "%s"
                              "Cache-Control: no-store\r\n"
                              "Connection: close\r\n"
                              "Server: dbsyncd/%s\r\n"
                              "\r\n",
                              status, reason,
                              status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8",
                              body.size(), extraHeaders, DBSYNC_VERSION);
        out_.assign(head, static_cast<size_t>(n));
        if (!headOnly) out_ += body;
        in_.clear();
        in_.shrink_to_fit();
        // Reading is over: from now on only the write side matters.
        owner_.loop_.set(fd_, EPOLLOUT, this);
        write();
    }

    void onIo(uint32_t events) override {
        if (fd_ < 0) return;
        if (lingering_) return drain();
        if (responding_) {
            if (events & (EPOLLERR | EPOLLHUP)) return finish();
            return write();
        }
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read();
    }

private:
    void finish() { owner_.closeConn(this); }

    void read() {
        char buf[2048];
        for (;;) {
            ssize_t n = ::read(fd_, buf, sizeof buf);
            if (n > 0) {
                size_t room = owner_.limits_.maxRequestBytes - in_.size();
                in_.append(buf, std::min(static_cast<size_t>(n), room));
                if (parse()) return;
                if (in_.size() >= owner_.limits_.maxRequestBytes)
                    return respond(431, "Request Header Fields Too Large", "request head too large\n");
                continue;
            }
            if (n == 0) return finish();  // closed before a whole request
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            return finish();
        }
    }

    // Returns true once the request has been answered (or the connection closed).
    bool parse() {
        // HTTP wants CRLF; tolerate bare LF as most servers do.
        size_t end = in_.find("\r\n\r\n");
        if (end == std::string::npos) end = in_.find("\n\n");
        size_t lineEnd = in_.find('\n');
        if (lineEnd == std::string::npos) return false;
        // The request line alone tells us what to answer; wait for the
        // whole head anyway, so the peer is not reset mid-send.
        if (end == std::string::npos) return false;
        std::string line = in_.substr(0, lineEnd);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        size_t sp1 = line.find(' ');
        size_t sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
        if (sp1 == std::string::npos || sp2 == std::string::npos || line.find(' ', sp2 + 1) != std::string::npos ||
            sp1 == 0 || sp2 == sp1 + 1) {
            respond(400, "Bad Request", "malformed request line\n");
            return true;
        }
        std::string method = line.substr(0, sp1);
        std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
        std::string version = line.substr(sp2 + 1);
        for (char c : method) {
            if (c < 'A' || c > 'Z') {
                respond(400, "Bad Request", "malformed method\n");
                return true;
            }
        }
        if (version.size() != 8 || version.compare(0, 5, "HTTP/") != 0 || version[6] != '.' || version[5] < '0' ||
            version[5] > '9' || version[7] < '0' || version[7] > '9') {
            respond(400, "Bad Request", "malformed HTTP version\n");
            return true;
        }
        if (version[5] != '1') {
            respond(505, "HTTP Version Not Supported", "only HTTP/1.0 and HTTP/1.1\n");
            return true;
        }
        if (target.empty() || target[0] != '/') {
            // Absolute-form ("http://host/metrics") is for proxies; origin-form only.
            respond(400, "Bad Request", "request target must be a path\n");
            return true;
        }
        std::string path = target.substr(0, target.find('?'));
        if (path != "/metrics") {
            respond(404, "Not Found", "not found; metrics are at /metrics\n");
            return true;
        }
        bool head = method == "HEAD";
        if (method != "GET" && !head) {
            respond(405, "Method Not Allowed", "only GET and HEAD\n", "Allow: GET, HEAD\r\n");
            return true;
        }
        respond(200, "OK", owner_.render_(), "", head);
        return true;
    }

    void write() {
        while (pos_ < out_.size()) {
            ssize_t n = ::send(fd_, out_.data() + pos_, out_.size() - pos_, MSG_NOSIGNAL);
            if (n > 0) {
                pos_ += static_cast<size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // EPOLLOUT resumes
            return finish();
        }
        // All sent: half-close so the peer sees EOF after the body. Closing
        // at once with request bytes still unread would make the kernel send
        // a reset, which can destroy the response before the peer reads it
        // (a 431 or 503 answered before the request was read): linger,
        // discarding input, until the peer closes or a short timeout.
        ::shutdown(fd_, SHUT_WR);
        lingering_ = true;
        owner_.loop_.set(fd_, EPOLLIN | EPOLLRDHUP, this);
        deadlineMs_ = owner_.loop_.nowMs() + kLingerMs;
        drain();
    }

    void drain() {
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(fd_, buf, sizeof buf);
            if (n > 0) continue;
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
            return finish();  // EOF or error: done
        }
    }

    static constexpr uint64_t kLingerMs = 1000;

public:
    // Over the connection limit: 503 at once, then the same lingering close.
    void turnAwayNow() {
        respond(503, "Service Unavailable", "too many connections\n", "Retry-After: 1\r\n");
    }

private:

    MetricsHttp &owner_;
    int fd_;
    uint64_t deadlineMs_ = 0;
    std::string in_;
    std::string out_;
    size_t pos_ = 0;
    bool responding_ = false;
    bool lingering_ = false;
    bool turnAway_;
};

// --------------------------------------------------------------- listener

MetricsHttp::MetricsHttp(EventLoop &loop, Limits limits, Render render)
    : loop_(loop), limits_(limits), render_(std::move(render)), pause_(loop, "metrics: ") {}

MetricsHttp::~MetricsHttp() {
    stop();
    reap();
}

bool MetricsHttp::start(const Address &address, std::string &error) {
    if (address.kind != Address::Kind::Tcp) {
        error = "--metrics: needs HOST:PORT";
        return false;
    }
    fd_ = openListenSocket(address, 64, error);
    if (fd_ < 0) {
        error = "--metrics: " + error;
        return false;
    }
    loop_.add(fd_, EPOLLIN, this);
    pause_.watch(fd_, this);
    return true;
}

void MetricsHttp::stop() {
    if (fd_ >= 0) {
        pause_.watch(-1, nullptr);
        loop_.remove(fd_);
        ::close(fd_);
        fd_ = -1;
    }
    std::vector<Conn *> all(conns_.begin(), conns_.end());
    for (Conn *c : all) closeConn(c);
}

void MetricsHttp::onIo(uint32_t) {
    for (int i = 0; i < 64 && fd_ >= 0; i++) {
        int fd = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                pause_.drained();
                return;
            }
            if (!pause_.pauseOn(errno)) LOG_WARN("metrics: accept: %s", std::strerror(errno));
            return;
        }
        if (connections() >= limits_.maxClients) {
            rejected++;
            if (!limitLogged_) {
                LOG_WARN("metrics: %zu connections open (--metrics-max-clients), answering 503 to more",
                         connections());
                limitLogged_ = true;
            }
            if (turningAway_ >= limits_.maxClients) {
                ::close(fd);  // a flood: not even a 503 for it
                continue;
            }
            auto *conn = new Conn(*this, fd, true);
            conns_.insert(conn);
            turningAway_++;
            conn->turnAwayNow();
            continue;
        }
        if (limitLogged_) {
            LOG_NOTICE("metrics: accepting connections again");
            limitLogged_ = false;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns_.insert(new Conn(*this, fd, false));
    }
}

void MetricsHttp::closeConn(Conn *conn) {
    if (!conns_.erase(conn)) return;
    if (conn->turnAway()) turningAway_--;
    conn->close();
    // Not deleted here: an event for it may still be due in this loop
    // iteration. Freed by reap(), once the loop turn is over.
    dead_.push_back(conn);
}

void MetricsHttp::expire(uint64_t nowMs) {
    // Collected first: a connection that times out may leave conns_.
    std::vector<Conn *> due;
    for (Conn *c : conns_)
        if (nowMs >= c->deadlineMs()) due.push_back(c);
    for (Conn *c : due) c->onTimeout();
}

bool MetricsHttp::reap() {
    if (dead_.empty()) return false;
    for (Conn *c : dead_) delete c;
    dead_.clear();
    return true;
}

}  // namespace dbsync
