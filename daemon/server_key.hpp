// dbsyncd's own TLS key, kept in its state directory (--state-dir).
//
// With --pubkey and without --tls-cert/--tls-key, the server certificate is
// made in memory for this key at every start. The key itself is made once,
// on the first start, and read back on every start and SIGHUP after that:
// PHP hosts pin it (dbsync.server_pubkey), so it must outlive restarts. An
// ephemeral key could not be pinned, and then any TLS server on the path
// could pose as dbsyncd.
//
// Files, in the state directory (which later holds other state too):
//   tls-server-key.pem     the private key, PEM (PKCS#8), mode 0600
//   tls-server-pubkey.pem  its public key, rewritten when it differs, for
//                          operators to copy to the PHP hosts
//
// Fail closed: a key file that exists but cannot be used (unreadable,
// damaged, open to other users) is an error, never a reason to make a new
// key; so is a directory where no key can be made. The caller then does not
// start (or keeps its current key on SIGHUP).
#pragma once

#include <string>

#include "tls_keys.hpp"

namespace dbsync {

inline constexpr char kServerKeyFile[] = "tls-server-key.pem";
inline constexpr char kServerPubkeyFile[] = "tls-server-pubkey.pem";

struct ServerKey {
    tls::PKey key;
    std::string keyPath;     // stateDir/tls-server-key.pem
    std::string pubkeyPath;  // stateDir/tls-server-pubkey.pem
    bool created = false;    // made by this call
    std::string warning;     // set when the public key file could not be written (the key is fine)
};

// Reads the key from `stateDir`, or makes it there when there is none
// (creating `stateDir` itself, mode 0700, when it does not exist). False and
// a one-line `error` naming the path otherwise.
bool loadOrCreateServerKey(const std::string &stateDir, ServerKey &out, std::string &error);

}  // namespace dbsync
