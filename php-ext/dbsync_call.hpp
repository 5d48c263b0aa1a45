/* dbsync PHP extension: one call through the client core, without PHP values.
 *
 * dbsync_send(), dbsync_send_many() and the session handler all read the
 * same php.ini settings and run the same fan-out; this is that shared part.
 * Nothing here throws into the engine: failures come back as messages. */
#ifndef DBSYNC_CALL_HPP
#define DBSYNC_CALL_HPP

#include "php_dbsync.h"

#include "address.hpp"
#include "client/fanout.hpp"

#include <string>
#include <string_view>
#include <vector>

/* The options of a call (dbsync.ack, dbsync.timeout, TLS keys) and, with
 * `configuredServers`, its servers from dbsync.servers (else the caller has
 * filled `addresses`). False with `error` set when a setting is unusable:
 * then nothing may be sent. */
bool dbsyncCallSettings(bool configuredServers, std::vector<dbsync::Address> &addresses,
                        dbsync::FanoutOptions &options, std::string &error);

/* Runs `count` RESP requests (back to back in `requests`) on every address
 * through the thread's connection pool, honouring dbsync.keepalive. False
 * with `error` only on an internal failure (allocation). */
bool dbsyncRun(DbsyncThreadState *st, const std::vector<dbsync::Address> &addresses, std::string_view requests,
               size_t count, const dbsync::FanoutOptions &options, dbsync::PipelineResult &result,
               std::string &error);

#endif /* DBSYNC_CALL_HPP */
