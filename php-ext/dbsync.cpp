/* dbsync PHP extension: module lifecycle, php.ini settings, phpinfo().
 * The user functions live in dbsync_functions.cpp. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_dbsync.h"

#include "ext/standard/info.h"
#include "php_ini.h"

#include "client/server_list.hpp"
#include "client/tls.hpp"
#include "dbsync_session.hpp"

#include <openssl/opensslv.h>


#include "dbsync_arginfo.h"

ZEND_DECLARE_MODULE_GLOBALS(dbsync)

#if defined(ZTS) && defined(COMPILE_DL_DBSYNC)
ZEND_TSRMLS_CACHE_DEFINE()
#endif

/* Settings are validated when changed at run time, so ini_set() reports a
 * typo at once. Values from php.ini at startup are accepted as written and
 * reported by each dbsync_send() call instead: rejecting them would make PHP
 * silently fall back to the default, sending commands somewhere else. */
static ZEND_INI_MH(OnUpdateDbsyncServers) {
    if (stage == ZEND_INI_STAGE_RUNTIME) {
        std::vector<dbsync::Address> list;
        std::string err;
        if (!dbsync::parseServerList(std::string_view(ZSTR_VAL(new_value), ZSTR_LEN(new_value)), list, err))
            return FAILURE;
    }
    return OnUpdateString(entry, new_value, mh_arg1, mh_arg2, mh_arg3, stage);
}

static ZEND_INI_MH(OnUpdateDbsyncAck) {
    dbsync::AckPolicy policy;
    if (stage == ZEND_INI_STAGE_RUNTIME &&
        !dbsync::parseAckPolicy(std::string_view(ZSTR_VAL(new_value), ZSTR_LEN(new_value)), policy))
        return FAILURE;
    return OnUpdateString(entry, new_value, mh_arg1, mh_arg2, mh_arg3, stage);
}

static ZEND_INI_MH(OnUpdateDbsyncTimeout) {
    if (stage == ZEND_INI_STAGE_RUNTIME) {
        zend_long v = ZEND_STRTOL(ZSTR_VAL(new_value), nullptr, 10);
        if (v <= 0 || v > 86400000) return FAILURE;
    }
    return OnUpdateLong(entry, new_value, mh_arg1, mh_arg2, mh_arg3, stage);
}

PHP_INI_BEGIN()
    STD_PHP_INI_ENTRY("dbsync.servers", "127.0.0.1:1111", PHP_INI_ALL, OnUpdateDbsyncServers, servers,
                      zend_dbsync_globals, dbsync_globals)
    STD_PHP_INI_ENTRY("dbsync.ack", "one", PHP_INI_ALL, OnUpdateDbsyncAck, ack, zend_dbsync_globals,
                      dbsync_globals)
    STD_PHP_INI_ENTRY("dbsync.timeout", "3000", PHP_INI_ALL, OnUpdateDbsyncTimeout, timeout,
                      zend_dbsync_globals, dbsync_globals)
    STD_PHP_INI_BOOLEAN("dbsync.keepalive", "1", PHP_INI_ALL, OnUpdateBool, keepalive, zend_dbsync_globals,
                        dbsync_globals)
    STD_PHP_INI_BOOLEAN("dbsync.persistent", "0", PHP_INI_ALL, OnUpdateBool, persistent,
                        zend_dbsync_globals, dbsync_globals)
    /* Authentication: TLS 1.3 with a client certificate made from this key,
     * to a server whose key is dbsync.server_pubkey; without one nothing is
     * sent unless dbsync.server_verify = 0 (client/tls.hpp). System only
     * (php.ini, -d, php_admin_value): not ini_set(), and not .user.ini or
     * .htaccess, which the web application's own files can be, so that
     * nothing the application serves can turn authentication off or pick
     * another identity. */
    STD_PHP_INI_ENTRY("dbsync.signkey", "", PHP_INI_SYSTEM, OnUpdateString, signkey, zend_dbsync_globals,
                      dbsync_globals)
    STD_PHP_INI_ENTRY("dbsync.server_pubkey", "", PHP_INI_SYSTEM, OnUpdateString, server_pubkey,
                      zend_dbsync_globals, dbsync_globals)
    STD_PHP_INI_BOOLEAN("dbsync.server_verify", "1", PHP_INI_SYSTEM, OnUpdateBool, server_verify,
                        zend_dbsync_globals, dbsync_globals)
    /* session.save_handler = dbsync: the key of a session is this + its id. */
    STD_PHP_INI_ENTRY("dbsync.session_prefix", "dbsync_session:", PHP_INI_ALL, OnUpdateString, session_prefix,
                      zend_dbsync_globals, dbsync_globals)
PHP_INI_END()

static PHP_GINIT_FUNCTION(dbsync) {
#if defined(COMPILE_DL_DBSYNC) && defined(ZTS)
    ZEND_TSRMLS_CACHE_UPDATE();
#endif
    dbsync_globals->servers = nullptr;
    dbsync_globals->ack = nullptr;
    dbsync_globals->signkey = nullptr;
    dbsync_globals->server_pubkey = nullptr;
    dbsync_globals->session_prefix = nullptr;
    dbsync_globals->timeout = 3000;
    dbsync_globals->keepalive = 1;
    dbsync_globals->persistent = 0;
    dbsync_globals->server_verify = 1;
    dbsync_globals->state = new DbsyncThreadState();
}

static PHP_GSHUTDOWN_FUNCTION(dbsync) {
    delete dbsync_globals->state;
    dbsync_globals->state = nullptr;
}

static PHP_MINIT_FUNCTION(dbsync) {
    (void)type;
    REGISTER_INI_ENTRIES();
    dbsyncRegisterSessionHandler();
    return SUCCESS;
}

static PHP_MSHUTDOWN_FUNCTION(dbsync) {
    (void)type;
    UNREGISTER_INI_ENTRIES();
    /* Free the TLS contexts while OpenSSL is still there (its own cleanup
     * runs at exit). Connections still open keep theirs until GSHUTDOWN. */
    dbsync::clearClientTlsContexts();
    return SUCCESS;
}

static PHP_RINIT_FUNCTION(dbsync) {
#if defined(ZTS) && defined(COMPILE_DL_DBSYNC)
    ZEND_TSRMLS_CACHE_UPDATE();
#endif
    (void)type;
    (void)module_number;
    DbsyncThreadState *st = DBSYNC_G(state);
    st->hasLastError = false;
    st->lastError.clear();
    st->lastStatus.clear();
    return SUCCESS;
}

static PHP_RSHUTDOWN_FUNCTION(dbsync) {
    (void)type;
    (void)module_number;
    /* Without dbsync.persistent, connections live for one request only. */
    if (!DBSYNC_G(persistent)) DBSYNC_G(state)->pool.closeAll();
    return SUCCESS;
}

static PHP_MINFO_FUNCTION(dbsync) {
    php_info_print_table_start();
    php_info_print_table_row(2, "dbsync support", "enabled");
    php_info_print_table_row(2, "Version", PHP_DBSYNC_VERSION);
#ifdef DBSYNC_DEBUG
    php_info_print_table_row(2, "Debug trace", "enabled (stderr)");
#else
    php_info_print_table_row(2, "Debug trace", "disabled");
#endif
    php_info_print_table_row(2, "Authentication (dbsync.signkey)",
                             "TLS 1.3, pinned keys both ways (RSA, ECDSA, Ed25519; server: dbsync.server_pubkey)");
    php_info_print_table_row(2, "OpenSSL (built with)", OPENSSL_VERSION_TEXT);
    php_info_print_table_end();
    DISPLAY_INI_ENTRIES();
}

/* ext/session must be started first: MINIT registers a save handler with it. */
static const zend_module_dep dbsync_deps[] = {
    ZEND_MOD_REQUIRED("session")
    ZEND_MOD_END
};

zend_module_entry dbsync_module_entry = {
    STANDARD_MODULE_HEADER_EX,
    nullptr,
    dbsync_deps,
    "dbsync",
    ext_functions,
    PHP_MINIT(dbsync),
    PHP_MSHUTDOWN(dbsync),
    PHP_RINIT(dbsync),
    PHP_RSHUTDOWN(dbsync),
    PHP_MINFO(dbsync),
    PHP_DBSYNC_VERSION,
    PHP_MODULE_GLOBALS(dbsync),
    PHP_GINIT(dbsync),
    PHP_GSHUTDOWN(dbsync),
    nullptr,
    STANDARD_MODULE_PROPERTIES_EX,
};

#ifdef COMPILE_DL_DBSYNC
ZEND_GET_MODULE(dbsync)
#endif
