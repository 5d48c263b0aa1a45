// dbsyncd: keeps several Redis databases in step.
//
// Data flow: listener.cpp accepts → client_conn.cpp frames requests →
// fanout.cpp sends each to every database_backend.cpp → ack_tally.cpp
// decides → the reply goes back in request order.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "event_loop.hpp"
#include "log.hpp"
#include "options.hpp"
#include "process_limits.hpp"
#include "server.hpp"
#include "systemd_notify.hpp"
#include "version.hpp"

using namespace dbsync;

int main(int argc, char **argv) {
    Options opts;
    switch (parseOptions(argc, argv, opts)) {
    case ParseOutcome::ExitOk: return 0;
    case ParseOutcome::ExitUsage: return 2;
    case ParseOutcome::Run: break;
    }

    log::Level level = log::level();
    if (!opts.logLevel.empty()) {
        log::parseLevel(opts.logLevel.c_str(), level);
    } else if (opts.verbosity > 0) {
        level = opts.verbosity == 1 ? log::Level::Info : log::Level::Debug;
    }
    log::setLevel(level);

    // A client that disconnects mid-write must cost an EPIPE, not the process.
    std::signal(SIGPIPE, SIG_IGN);
    // Clients, handshakes, databases, and a few for the loop, listener and logs.
    raiseFdLimit(opts.maxClients + (opts.pubkeys.empty() ? 0 : opts.maxHandshakes) + opts.databases.size() +
                 (opts.metrics ? opts.metricsMaxClients : 0) + 32);

    EventLoop loop;
    if (!loop.ok()) {
        LOG_ERROR("cannot create the event loop");
        return 1;
    }
    Server server(loop, opts);
    std::string error;
    if (!server.start(error)) {
        LOG_ERROR("%s", error.c_str());
        return 1;
    }
    std::string dbs;
    for (const auto &db : opts.databases) dbs += (dbs.empty() ? "" : ", ") + db.display();
    LOG_NOTICE("dbsyncd %s listening on %s%s, databases: %s, ack %s", DBSYNC_VERSION, opts.listen.display().c_str(),
               opts.pubkeys.empty() ? "" : " (TLS 1.3, trusted client keys only)", dbs.c_str(), ackPolicyName(opts.ack));

    // systemd (Type=notify): READY=1 once the port listens and every database
    // has been tried (connected, or failed its first attempt), so that units
    // ordered after dbsyncd start against a proxy that has had its chance to
    // connect; a STATUS= line whenever the set of connected databases changes.
    bool ready = false;
    auto notify = [&](bool force) {
        if (server.shuttingDown()) return;
        std::string msg;
        if (!ready && (force || server.databasesTried())) {
            ready = true;
            msg = "READY=1\n";
            LOG_INFO("ready: %s", server.databaseSummary().c_str());
        }
        sdnotify::send(msg + "STATUS=" + server.databaseSummary());
    };
    server.setDatabaseWatcher([&] { notify(false); });
    // A connect attempt ends within --connect-timeout; this bounds the wait for
    // READY=1 whatever happens.
    loop.addTimer(opts.connectTimeoutMs + 1000, [&] {
        if (!ready) notify(true);
    });

    loop.setSignalHandler([&](int sig) {
        if (sig == SIGTERM || sig == SIGINT) {
            if (!server.shuttingDown()) sdnotify::send("STOPPING=1\nSTATUS=shutting down: finishing requests in flight");
            server.beginShutdown();
        } else if (sig == SIGHUP) {
            server.reloadKeys();
        }
    });
    loop.setBusyPollUs(opts.busyPollUs);
    loop.run();
    LOG_NOTICE("dbsyncd stopped");
    return server.exitStatus();
}
