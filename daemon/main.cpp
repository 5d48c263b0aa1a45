// dbsyncd: keeps several Redis databases in step.
//
// Data flow: listener.cpp accepts → client_conn.cpp frames requests →
// fanout.cpp sends each to every database_backend.cpp → ack_policy.cpp
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

    if (!opts.pubkeys.empty()) {
        std::fprintf(stderr, "dbsyncd: --pubkey: signing keys are not supported by this build yet\n");
        return 2;
    }

    // A client that disconnects mid-write must cost an EPIPE, not the process.
    std::signal(SIGPIPE, SIG_IGN);
    // Clients, databases, and a few for the loop, listener and logs.
    raiseFdLimit(opts.maxClients + opts.databases.size() + 32);

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
    LOG_NOTICE("dbsyncd %s listening on %s, databases: %s, ack %s", DBSYNC_VERSION, opts.listen.display().c_str(),
               dbs.c_str(), ackName(opts.ack));

    loop.setSignalHandler([&](int sig) {
        if (sig == SIGTERM || sig == SIGINT) {
            server.beginShutdown();
        } else if (sig == SIGHUP) {
            LOG_NOTICE("SIGHUP: nothing to reload");
        }
    });
    loop.run();
    LOG_NOTICE("dbsyncd stopped");
    return 0;
}
