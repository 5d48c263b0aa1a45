// The client side of dbsync's authentication (docs/operations.md, "Security"): TLS 1.3
// with a client certificate made in memory from dbsync.signkey, to a server
// whose key is one of dbsync.server_pubkey. Without dbsync.server_pubkey no
// context is made, so nothing is sent, unless dbsync.server_verify = 0 says
// that any server will do: our own key proves nothing about who answers.
//
// clientTlsContext() keeps one client context per (signkey, server_pubkey,
// server_verify) for the whole process (every thread, every request): the private key
// is read once, and again only when its file (or the server key's file) is
// replaced on disk (checked when a connection is made), so a key rotated
// under a long-lived php-fpm worker takes effect for its new connections
// without a restart. A key that cannot be loaded is not remembered:
// every attempt reports why, and nothing is sent.
//
// makeTlsClientStream() wraps a connected non-blocking socket in a
// ClientStream that speaks TLS; the client core drives its handshake through
// its poll() loop, under the same deadline as the rest of the call.
//
// No PHP types here: the extension, the tests and the benchmark share it.
#pragma once

#include "client/stream.hpp"

#include <memory>
#include <string>

namespace dbsync {

namespace tls {
class Context;
}

// The shared client context for `config` (config.signkey must be set).
// nullptr and a one-line `error` naming the setting and the file otherwise:
// "dbsync.signkey /etc/dbsync/key.pem: No such file or directory", or
// naming dbsync.server_pubkey when there is no server key to check against.
// `revalidate`: look at the files (stat) and reload them when replaced;
// without it a context already loaded is returned as it is (the per-call
// check; every new connection revalidates).
std::shared_ptr<const tls::Context> clientTlsContext(const StreamConfig &config, std::string &error,
                                                     bool revalidate = true);

// Drops every cached context (tests; connections keep theirs).
void clearClientTlsContexts();

// A TLS client stream over the connected socket `fd` (owned by the stream
// from here on, also on failure). nullptr and `error` on failure.
std::unique_ptr<ClientStream> makeTlsClientStream(int fd, std::shared_ptr<const tls::Context> context,
                                                  std::string &error);

}  // namespace dbsync
