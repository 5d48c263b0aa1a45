// The connection to dbsyncd itself (--from-dbsyncd): DBSYNC INFO for the
// database list, DBSYNC RESYNC for --resync. The databases are reached with
// hiredis (db_link.hpp); dbsyncd may instead take TLS 1.3 clients only
// (dbsyncd --pubkey, docs/operations.md "Security"), so this link goes
// through the client core the PHP extension uses (client/connection.hpp,
// client/tls.hpp), with --signkey, --server-pubkey and --no-server-verify in
// the roles of dbsync.signkey, dbsync.server_pubkey and
// dbsync.server_verify = 0. Without --signkey it speaks plain text.
// --timeout bounds each command, connect and TLS handshake included.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "check_options.hpp"
#include "client/connection.hpp"
#include "client/reply.hpp"
#include "client/stream.hpp"
#include "db_link.hpp"  // LinkError

namespace dbsync::check {

class DbsyncdLink {
public:
    // Reads --from-dbsyncd and, with --signkey, loads the keys: an address
    // that does not parse or a key file that does not load throws LinkError
    // here, before anything is sent.
    explicit DbsyncdLink(const CheckOptions &opts);
    DbsyncdLink(const DbsyncdLink &) = delete;
    DbsyncdLink &operator=(const DbsyncdLink &) = delete;

    // "dbsyncd (127.0.0.1:1111)"
    const std::string &where() const { return where_; }

    // Sends one command and returns its reply, error replies included. A
    // connection that fails, a reply that does not come within --timeout, a
    // TLS handshake either side refuses, or a TLS-only dbsyncd spoken to in
    // plain text throw LinkError with one line that says what to change.
    dbsync::Reply command(const std::vector<std::string_view> &args);

private:
    std::string where_;
    StreamConfig stream_;
    int timeoutMs_;
    std::unique_ptr<ClientConnection> conn_;
};

// The client core names its settings as php.ini does; dbsync-check has
// flags for them: "dbsync.signkey" -> "--signkey", and so on.
std::string inFlagTerms(std::string text);

}  // namespace dbsync::check
