/* dbsync PHP extension: dbsync_send(), dbsync_send_many() and friends.
 *
 * Converts PHP arguments to RESP requests, hands them to the fan-out client
 * core (client/fanout.hpp) and converts the reply back. All
 * networking, timeouts and ack rules live in the core; this file only deals
 * with PHP values, errors and warnings. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_dbsync.h"

#include "Zend/zend_exceptions.h"

#include "client/server_list.hpp"
#include "dbsync_call.hpp"
#include "command_tokenizer.hpp"
/* php.h pulls in <syslog.h>, whose LOG_NOTICE/LOG_INFO/LOG_DEBUG priorities
 * share their names with log.hpp's macros. This file uses only DBSYNC_TRACE. */
#undef LOG_NOTICE
#undef LOG_INFO
#undef LOG_DEBUG
#include "log.hpp"
#include "resp_writer.hpp"

#include <charconv>

namespace {

/* Status, bulk and integer replies become strings (the API promises
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

/* Builds the RESP request from a redis-cli style line. Throws ValueError;
 * `where` names the element of dbsync_send_many()'s list ("" otherwise). */
bool requestFromString(zend_string *line, std::string &request, size_t &argc, const std::string &where) {
    std::vector<std::string> args;
    std::string err;
    if (!dbsync::tokenizeCommand(std::string_view(ZSTR_VAL(line), ZSTR_LEN(line)), args, err)) {
        zend_argument_value_error(1, "%sis not a valid command: %s", where.c_str(), err.c_str());
        return false;
    }
    if (args.empty()) {
        zend_argument_value_error(1, "%smust not be an empty command", where.c_str());
        return false;
    }
    dbsync::resp::appendCommand(request, args);
    argc = args.size();
    return true;
}

/* One argument per element, binary-safe; ints and floats take PHP's usual
 * string form. Throws TypeError for anything else, ValueError when empty. */
bool requestFromArray(HashTable *ht, std::string &request, size_t &argc, const std::string &where) {
    uint32_t n = zend_hash_num_elements(ht);
    if (n == 0) {
        zend_argument_value_error(1, "%smust not be an empty array", where.c_str());
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
            zend_argument_type_error(1, "%smust contain only strings, ints and floats, %s given", where.c_str(),
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

/* The servers argument, when given; throws ValueError for a bad list. */
bool serversArgument(zend_string *servers, uint32_t argNum, std::vector<dbsync::Address> &addresses) {
    if (!servers) return true;
    std::string err;
    if (dbsync::parseServerList(std::string_view(ZSTR_VAL(servers), ZSTR_LEN(servers)), addresses, err))
        return true;
    zend_argument_value_error(argNum, "is not a valid server list: %s", err.c_str());
    return false;
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
    if (!serversArgument(servers, 2, addresses)) RETURN_THROWS();

    std::string request;
    size_t argc = 0;
    if (argsString ? !requestFromString(argsString, request, argc, "")
                   : !requestFromArray(argsArray, request, argc, ""))
        RETURN_THROWS();

    st->lastStatus.clear();
    dbsync::FanoutOptions options;
    std::string err;
    if (!dbsyncCallSettings(!servers, addresses, options, err)) {
        setFailure(st, std::move(err));
        RETURN_FALSE;
    }

    DBSYNC_TRACE("dbsync_send: %zu argument(s), %zu bytes, to %zu server(s), ack=%s, timeout=%d ms", argc,
                 request.size(), addresses.size(), dbsync::ackPolicyName(options.ack), options.timeoutMs);

    dbsync::PipelineResult result;
    if (!dbsyncRun(st, addresses, request, 1, options, result, err)) {
        setFailure(st, std::move(err));
        RETURN_FALSE;
    }
    st->lastStatus = std::move(result.servers);

    dbsync::PipelineResult::Command &cmd = result.commands[0];
    if (!cmd.ok) {
        DBSYNC_TRACE("dbsync_send: failed: %s", cmd.error.c_str());
        setFailure(st, std::move(cmd.error));
        RETURN_FALSE;
    }
    st->hasLastError = false;
    st->lastError.clear();
    DBSYNC_TRACE("dbsync_send: ok");
    replyToZval(cmd.reply, return_value);
}

/* A pipeline: every command goes to every server in one write, and each
 * gets its own reply, or false, in a list in the order given. */
PHP_FUNCTION(dbsync_send_many) {
    HashTable *commands = nullptr;
    zend_string *servers = nullptr;

    ZEND_PARSE_PARAMETERS_START(1, 2)
        Z_PARAM_ARRAY_HT(commands)
        Z_PARAM_OPTIONAL
        Z_PARAM_STR_OR_NULL(servers)
    ZEND_PARSE_PARAMETERS_END();

    DbsyncThreadState *st = DBSYNC_G(state);

    std::vector<dbsync::Address> addresses;
    if (!serversArgument(servers, 2, addresses)) RETURN_THROWS();

    uint32_t count = zend_hash_num_elements(commands);
    if (count == 0) {
        zend_argument_value_error(1, "must not be an empty array");
        RETURN_THROWS();
    }
    std::string requests;
    size_t index = 0;
    zval *val;
    ZEND_HASH_FOREACH_VAL(commands, val) {
        ZVAL_DEREF(val);
        std::string where = "element " + std::to_string(index) + " ";
        size_t argc = 0;
        if (Z_TYPE_P(val) == IS_STRING) {
            if (!requestFromString(Z_STR_P(val), requests, argc, where)) RETURN_THROWS();
        } else if (Z_TYPE_P(val) == IS_ARRAY) {
            if (!requestFromArray(Z_ARRVAL_P(val), requests, argc, where)) RETURN_THROWS();
        } else {
            zend_argument_type_error(1, "%smust be a string or an array, %s given", where.c_str(),
                                     zend_zval_type_name(val));
            RETURN_THROWS();
        }
        index++;
    }
    ZEND_HASH_FOREACH_END();

    st->lastStatus.clear();
    dbsync::FanoutOptions options;
    std::string err;
    if (!dbsyncCallSettings(!servers, addresses, options, err)) {
        setFailure(st, std::move(err));
        RETURN_FALSE;
    }

    DBSYNC_TRACE("dbsync_send_many: %u command(s), %zu bytes, to %zu server(s), ack=%s, timeout=%d ms", count,
                 requests.size(), addresses.size(), dbsync::ackPolicyName(options.ack), options.timeoutMs);

    dbsync::PipelineResult result;
    if (!dbsyncRun(st, addresses, requests, count, options, result, err)) {
        setFailure(st, std::move(err));
        RETURN_FALSE;
    }
    st->lastStatus = std::move(result.servers);

    size_t firstFailed = count;
    for (size_t i = 0; i < count; i++) {
        if (!result.commands[i].ok) {
            firstFailed = i;
            break;
        }
    }
    if (firstFailed < count && result.nothingSent && result.failed == count) {
        /* Not one byte reached any server: the call as a whole did not happen. */
        setFailure(st, "nothing sent: " + result.commands[0].error);
        RETURN_FALSE;
    }

    array_init_size(return_value, count);
    for (dbsync::PipelineResult::Command &cmd : result.commands) {
        zval item;
        if (cmd.ok)
            replyToZval(cmd.reply, &item);
        else
            ZVAL_FALSE(&item);
        add_next_index_zval(return_value, &item);
    }
    if (firstFailed == count) {
        st->hasLastError = false;
        st->lastError.clear();
        DBSYNC_TRACE("dbsync_send_many: ok");
        return;
    }
    setFailure(st, std::to_string(result.failed) + " of " + std::to_string(count) +
                       " commands failed; the first, #" + std::to_string(firstFailed) + ": " +
                       result.commands[firstFailed].error);
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
