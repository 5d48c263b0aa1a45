/* dbsync PHP extension: dbsync_send() and friends.
 *
 * Converts PHP arguments to one RESP request, hands it to the fan-out client
 * core (../common/client_fanout.hpp) and converts the reply back. All
 * networking, timeouts and ack rules live in the core; this file only deals
 * with PHP values, errors and warnings. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_dbsync.h"

#include "Zend/zend_exceptions.h"

#include "client_server_list.hpp"
#include "client_tls.hpp"
#include "command_tokenizer.hpp"
/* php.h pulls in <syslog.h>, whose LOG_NOTICE/LOG_INFO/LOG_DEBUG priorities
 * share their names with log.hpp's macros. This file uses only DBSYNC_TRACE. */
#undef LOG_NOTICE
#undef LOG_INFO
#undef LOG_DEBUG
#include "log.hpp"
#include "resp_writer.hpp"

#include <charconv>
#include <exception>

namespace {

/* Status, bulk and integer replies become strings (the seed promises
 * strings), nil becomes null, multi-bulk becomes a list. An error nested in
 * a multi-bulk reply (EXEC) becomes false, as a top-level error does. */
void replyToZval(const dbsync::Reply &r, zval *out) {
    using T = dbsync::Reply::Type;
    switch (r.type) {
    case T::Status:
    case T::String: ZVAL_STRINGL(out, r.str.data(), r.str.size()); return;
    case T::Integer: {
        char buf[24];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, r.integer);
        (void)ec;
        ZVAL_STRINGL(out, buf, end - buf);
        return;
    }
    case T::Nil: ZVAL_NULL(out); return;
    case T::Error: ZVAL_FALSE(out); return;
    case T::Array:
        array_init_size(out, static_cast<uint32_t>(r.elements.size()));
        for (const dbsync::Reply &e : r.elements) {
            zval item;
            replyToZval(e, &item);
            add_next_index_zval(out, &item);
        }
        return;
    }
    ZVAL_NULL(out);
}

/* Builds the RESP request from a redis-cli style line. Throws ValueError. */
bool requestFromString(zend_string *line, std::string &request, size_t &argc) {
    std::vector<std::string> args;
    std::string err;
    if (!dbsync::tokenizeCommand(std::string_view(ZSTR_VAL(line), ZSTR_LEN(line)), args, err)) {
        zend_argument_value_error(1, "is not a valid command: %s", err.c_str());
        return false;
    }
    if (args.empty()) {
        zend_argument_value_error(1, "must not be an empty command");
        return false;
    }
    dbsync::resp::appendCommand(request, args);
    argc = args.size();
    return true;
}

/* One argument per element, binary-safe; ints and floats take PHP's usual
 * string form. Throws TypeError for anything else, ValueError when empty. */
bool requestFromArray(HashTable *ht, std::string &request, size_t &argc) {
    uint32_t n = zend_hash_num_elements(ht);
    if (n == 0) {
        zend_argument_value_error(1, "must not be an empty array");
        return false;
    }
    dbsync::resp::appendArrayHeader(request, n);
    zval *val;
    bool ok = true;
    ZEND_HASH_FOREACH_VAL(ht, val) {
        ZVAL_DEREF(val);
        switch (Z_TYPE_P(val)) {
        case IS_STRING:
            dbsync::resp::appendBulk(request, std::string_view(Z_STRVAL_P(val), Z_STRLEN_P(val)));
            break;
        case IS_LONG:
        case IS_DOUBLE: {
            zend_string *s = zval_get_string(val);
            dbsync::resp::appendBulk(request, std::string_view(ZSTR_VAL(s), ZSTR_LEN(s)));
            zend_string_release(s);
            break;
        }
        default:
            zend_argument_type_error(1, "must contain only strings, ints and floats, %s given",
                                     zend_zval_type_name(val));
            ok = false;
            break;
        }
        if (!ok) break;
    }
    ZEND_HASH_FOREACH_END();
    argc = n;
    return ok;
}

void setFailure(DbsyncThreadState *st, std::string message) {
    st->hasLastError = true;
    st->lastError = std::move(message);
    php_error_docref(nullptr, E_WARNING, "%s", st->lastError.c_str());
}

}  // namespace

PHP_FUNCTION(dbsync_send) {
    HashTable *argsArray = nullptr;
    zend_string *argsString = nullptr;
    zend_string *servers = nullptr;

    ZEND_PARSE_PARAMETERS_START(1, 2)
        Z_PARAM_ARRAY_HT_OR_STR(argsArray, argsString)
        Z_PARAM_OPTIONAL
        Z_PARAM_STR_OR_NULL(servers)
    ZEND_PARSE_PARAMETERS_END();

    DbsyncThreadState *st = DBSYNC_G(state);

    std::vector<dbsync::Address> addresses;
    std::string err;
    if (servers) {
        if (!dbsync::parseServerList(std::string_view(ZSTR_VAL(servers), ZSTR_LEN(servers)), addresses, err)) {
            zend_argument_value_error(2, "is not a valid server list: %s", err.c_str());
            RETURN_THROWS();
        }
    }

    std::string request;
    size_t argc = 0;
    if (argsString ? !requestFromString(argsString, request, argc) : !requestFromArray(argsArray, request, argc))
        RETURN_THROWS();

    st->lastStatus.clear();
    const char *configured = DBSYNC_G(servers) ? DBSYNC_G(servers) : "";
    if (!servers && !dbsync::parseServerList(configured, addresses, err)) {
        setFailure(st, "dbsync.servers: " + err);
        RETURN_FALSE;
    }
    dbsync::FanoutOptions options;
    const char *ack = DBSYNC_G(ack) ? DBSYNC_G(ack) : "one";
    if (!dbsync::parseAckPolicy(ack, options.ack)) {
        setFailure(st, std::string("dbsync.ack must be one, quorum or all, not '") + ack + "'");
        RETURN_FALSE;
    }
    if (DBSYNC_G(timeout) <= 0) {
        setFailure(st, "dbsync.timeout must be a positive number of milliseconds");
        RETURN_FALSE;
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
            setFailure(st, std::move(err));
            RETURN_FALSE;
        }
    } else if (DBSYNC_G(server_pubkey) && *DBSYNC_G(server_pubkey)) {
        setFailure(st, std::string("dbsync.server_pubkey is set but dbsync.signkey is not: the server's key can "
                                   "only be checked over TLS, which needs a client key"));
        RETURN_FALSE;
    }

    DBSYNC_TRACE("dbsync_send: %zu argument(s), %zu bytes, to %zu server(s), ack=%s, timeout=%d ms", argc,
                 request.size(), addresses.size(), dbsync::ackPolicyName(options.ack), options.timeoutMs);

    dbsync::FanoutResult result;
    try {
        std::vector<dbsync::ClientConnection *> conns;
        conns.reserve(addresses.size());
        for (const dbsync::Address &a : addresses) conns.push_back(&st->pool.get(a));
        result = dbsync::fanoutCall(conns, request, options);
        if (!DBSYNC_G(keepalive)) st->pool.closeAll();
    } catch (const std::exception &e) {
        /* Only allocation failures can get here; never let a C++ exception
         * unwind through the engine's C frames. */
        st->pool.closeAll();
        setFailure(st, std::string("internal error: ") + e.what());
        RETURN_FALSE;
    }
    st->lastStatus = std::move(result.servers);

    if (!result.ok) {
        DBSYNC_TRACE("dbsync_send: failed: %s", result.error.c_str());
        setFailure(st, std::move(result.error));
        RETURN_FALSE;
    }
    st->hasLastError = false;
    st->lastError.clear();
    DBSYNC_TRACE("dbsync_send: ok");
    replyToZval(result.reply, return_value);
}

PHP_FUNCTION(dbsync_reset) {
    ZEND_PARSE_PARAMETERS_NONE();
    (void)return_value;
    DBSYNC_TRACE("dbsync_reset: closing %zu connection(s)", DBSYNC_G(state)->pool.size());
    DBSYNC_G(state)->pool.closeAll();
}

PHP_FUNCTION(dbsync_last_error) {
    ZEND_PARSE_PARAMETERS_NONE();
    DbsyncThreadState *st = DBSYNC_G(state);
    if (!st->hasLastError) RETURN_NULL();
    RETURN_STRINGL(st->lastError.data(), st->lastError.size());
}

PHP_FUNCTION(dbsync_last_status) {
    ZEND_PARSE_PARAMETERS_NONE();
    DbsyncThreadState *st = DBSYNC_G(state);
    array_init_size(return_value, static_cast<uint32_t>(st->lastStatus.size()));
    for (const dbsync::ServerStatus &s : st->lastStatus) {
        zval row;
        array_init_size(&row, 5);
        add_assoc_stringl(&row, "server", s.server.data(), s.server.size());
        add_assoc_bool(&row, "ok", s.state == dbsync::ServerStatus::State::Ok);
        add_assoc_bool(&row, "pending", s.state == dbsync::ServerStatus::State::Pending);
        if (s.state == dbsync::ServerStatus::State::Error)
            add_assoc_stringl(&row, "error", s.error.data(), s.error.size());
        else
            add_assoc_null(&row, "error");
        add_assoc_double(&row, "time_ms", s.millis);
        add_next_index_zval(return_value, &row);
    }
}
