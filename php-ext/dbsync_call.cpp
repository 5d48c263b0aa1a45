/* dbsync PHP extension: settings and the fan-out run shared by every call
 * (dbsync_call.hpp). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "dbsync_call.hpp"

#include "client/server_list.hpp"
#include "client/tls.hpp"

#include <exception>

bool dbsyncCallSettings(bool configuredServers, std::vector<dbsync::Address> &addresses,
                        dbsync::FanoutOptions &options, std::string &error) {
    std::string err;
    if (configuredServers) {
        const char *configured = DBSYNC_G(servers) ? DBSYNC_G(servers) : "";
        if (!dbsync::parseServerList(configured, addresses, err)) {
            error = "dbsync.servers: " + err;
            return false;
        }
    }
    const char *ack = DBSYNC_G(ack) ? DBSYNC_G(ack) : "one";
    if (!dbsync::parseAckPolicy(ack, options.ack)) {
        error = std::string("dbsync.ack must be one, quorum or all, not '") + ack + "'";
        return false;
    }
    if (DBSYNC_G(timeout) <= 0) {
        error = "dbsync.timeout must be a positive number of milliseconds";
        return false;
    }
    options.timeoutMs = DBSYNC_G(timeout) > 86400000 ? 86400000 : static_cast<int>(DBSYNC_G(timeout));
    if (DBSYNC_G(signkey) && *DBSYNC_G(signkey)) {
        options.stream.signkey = DBSYNC_G(signkey);
        if (DBSYNC_G(server_pubkey)) options.stream.serverPubkey = DBSYNC_G(server_pubkey);
        options.stream.verifyServer = DBSYNC_G(server_verify);
        /* Load (or find) the client certificate and the server's key before
         * touching any server: a key that cannot be loaded, or no server key
         * to check against, fails the call once, clearly, and not one byte
         * goes out, not even a TCP connection. */
        if (!dbsync::clientTlsContext(options.stream, err, /*revalidate=*/false)) {
            error = std::move(err);
            return false;
        }
    } else if (DBSYNC_G(server_pubkey) && *DBSYNC_G(server_pubkey)) {
        error = "dbsync.server_pubkey is set but dbsync.signkey is not: the server's key can only be checked "
                "over TLS, which needs a client key";
        return false;
    }
    return true;
}

bool dbsyncRun(DbsyncThreadState *st, const std::vector<dbsync::Address> &addresses, std::string_view requests,
               size_t count, const dbsync::FanoutOptions &options, dbsync::PipelineResult &result,
               std::string &error) {
    try {
        std::vector<dbsync::ClientConnection *> conns;
        conns.reserve(addresses.size());
        for (const dbsync::Address &a : addresses) conns.push_back(&st->pool.get(a));
        result = dbsync::fanoutPipeline(conns, requests, count, options);
        if (!DBSYNC_G(keepalive)) st->pool.closeAll();
        return true;
    } catch (const std::exception &e) {
        /* Only allocation failures can get here; never let a C++ exception
         * unwind through the engine's C frames. */
        st->pool.closeAll();
        error = std::string("internal error: ") + e.what();
        return false;
    }
}
