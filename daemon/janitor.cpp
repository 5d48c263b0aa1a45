#include "janitor.hpp"

#include "client_conn.hpp"
#include "metrics_http.hpp"
#include "server.hpp"
#include "tls_gate.hpp"

namespace dbsync {

void Janitor::start() {
    server_.loop().addTimer(kPeriodMs, [this] { sweep(); });
}

void Janitor::sweep() {
    const Options &opts = server_.options();
    uint64_t now = server_.loop().nowMs();
    for (auto &db : server_.databases()) db->checkTimeouts(now);
    server_.tendJournal(now);
    sweepClients(now);
    if (TlsGate *tls = server_.tlsGate()) {
        tls->expireHandshakes(now, opts.handshakeTimeoutMs);
        tls->sweepRejectLog(now);
    }
    if (MetricsHttp *metrics = server_.metrics()) {
        metrics->expire(now);
        metrics->resumeAccepting();
    }
    server_.resumeAccepting();
    if (server_.shuttingDown() && now >= server_.shutdownDeadlineMs()) server_.shutdownTimedOut();
    server_.loop().addTimer(kPeriodMs, [this] { sweep(); });
}

void Janitor::sweepClients(uint64_t now) {
    const Options &opts = server_.options();
    for (ClientConn *c : server_.clients()) {
        if (c->closed()) continue;
        uint64_t partialSince = c->partialSinceMs();
        if (partialSince != 0 && now - partialSince >= opts.clientTimeoutMs) {
            c->requestTimedOut(opts.clientTimeoutMs);
            if (c->closed()) continue;
        }
        // --client-max-output bounds what a client leaves unread: one over
        // it at two sweeps in a row, with not a byte written to it in
        // between, is not reading. One that reads a large reply as fast as
        // it can is making progress, however large the reply.
        ClientConn::OutputMark &mark = c->outputMark;
        bool over = c->unreadBytes() > opts.clientMaxOutput;
        if (over && mark.wasOver && c->bytesWritten() == mark.written) {
            c->closeForUnreadOutput();
            continue;
        }
        mark.wasOver = over;
        mark.written = c->bytesWritten();
        c->releaseBuffersIfIdle();
    }
}

}  // namespace dbsync
