/* dbsync PHP extension: module globals and shared declarations.
 *
 * The extension is a thin layer: PHP values in, RESP out through the
 * client core in ../common (no PHP types there), replies back as zvals. */
#ifndef PHP_DBSYNC_H
#define PHP_DBSYNC_H

#include "php.h"

#include "client/fanout.hpp"
#include "client/pool.hpp"
#include "version.hpp"

#include <string>
#include <vector>

extern zend_module_entry dbsync_module_entry;
#define phpext_dbsync_ptr &dbsync_module_entry

#define PHP_DBSYNC_VERSION DBSYNC_VERSION

/* Per-thread client state (one per process under NTS). Plain C++ object,
 * allocated with new in GINIT: the pool outlives requests when
 * dbsync.persistent=1, so it must not live in PHP's per-request memory. */
struct DbsyncThreadState {
    dbsync::ClientPool pool;
    bool hasLastError = false;
    std::string lastError;
    std::vector<dbsync::ServerStatus> lastStatus;
};

ZEND_BEGIN_MODULE_GLOBALS(dbsync)
    char *servers;
    char *ack;
    char *signkey;
    char *server_pubkey;
    zend_long timeout;
    zend_bool keepalive;
    zend_bool persistent;
    zend_bool server_verify;
    char *session_prefix;
    DbsyncThreadState *state;
ZEND_END_MODULE_GLOBALS(dbsync)

ZEND_EXTERN_MODULE_GLOBALS(dbsync)
#define DBSYNC_G(v) ZEND_MODULE_GLOBALS_ACCESSOR(dbsync, v)

#if defined(ZTS) && defined(COMPILE_DL_DBSYNC)
ZEND_TSRMLS_CACHE_EXTERN()
#endif

#endif /* PHP_DBSYNC_H */
