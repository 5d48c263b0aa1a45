// The janitor: one periodic sweep, every 100 ms, that enforces every
// timeout in dbsyncd. Nothing else keeps a timer for a deadline: the
// objects only note when something started (a half-received request, a
// handshake, a metrics request, a command sent to a database, a shutdown)
// and the sweep compares that with the options. The period is the
// precision of every timeout.
//
// Each sweep, in this order:
//   databases       --connect-timeout, --db-timeout (DatabaseBackend::checkTimeouts)
//   clients         a request half received for longer than --client-timeout;
//                   replies left unread over --client-max-output for a whole
//                   period in which the client read nothing; idle TLS
//                   clients give their record buffers back
//   TLS handshakes  not finished within --handshake-timeout
//   metrics         a request head not received in time, an answer not collected
//   shutdown        --shutdown-timeout after SIGTERM/SIGINT
//   accepting       a listener paused for want of file descriptors tries again
//   logs            the count of rejections not logged (--reject-log-rate)
//
// The sweep closes clients while it goes through them: it may, because
// closing only marks a client, and Server::beforeSleep frees it (see
// server.hpp).
#pragma once

#include <cstdint>

namespace dbsync {

class Server;

class Janitor {
public:
    static constexpr uint64_t kPeriodMs = 100;

    explicit Janitor(Server &server) : server_(server) {}

    // The first sweep one period from now; each sweep schedules the next.
    void start();

private:
    void sweep();
    void sweepClients(uint64_t nowMs);

    Server &server_;
};

}  // namespace dbsync
