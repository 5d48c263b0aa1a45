/* dbsync PHP extension: the "dbsync" session save handler.
 *
 * A session is one string key, dbsync.session_prefix + id, written with
 * SET ... PXAT: the deadline (now + session.gc_maxlifetime) is computed
 * here, once, so every database expires the session at the same moment
 * whichever of them applies the write later. Redis expires sessions on its
 * own, so gc has nothing to do. dbsync.ack and dbsync.timeout apply to each
 * call as they do to dbsync_send(): with ack=one a session keeps working
 * while a database is down.
 *
 * The handler implements PHP 8's validateId (so session.use_strict_mode=1
 * refuses ids nobody created) and updateTimestamp (session.lazy_write: an
 * unchanged session only has its deadline moved). There is no locking: two
 * requests of one session that overlap write last-one-wins, as with
 * phpredis' default. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "dbsync_session.hpp"

#include "dbsync_call.hpp"

/* php_session.h declares C functions without extern "C" of its own. */
extern "C" {
#include "ext/session/php_session.h"
}

#include "client/server_list.hpp"
#include "resp_writer.hpp"

#include <chrono>
#include <memory>

namespace {

/* What open() found in session.save_path: its servers, or none to use
 * dbsync.servers at each call. */
struct SessionData {
    std::vector<dbsync::Address> addresses;
    bool configured = true;
};

std::string sessionKey(zend_string *id) {
    const char *prefix = DBSYNC_G(session_prefix) ? DBSYNC_G(session_prefix) : "";
    return std::string(prefix) + std::string(ZSTR_VAL(id), ZSTR_LEN(id));
}

/* The absolute deadline, in Unix milliseconds, of a session written now. */
std::string deadlineMs(zend_long maxlifetime) {
    long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    long long life = maxlifetime > 0 ? static_cast<long long>(maxlifetime) : 1;
    return std::to_string(now + life * 1000);
}

/* Runs one command on the session's servers. False (with a warning naming
 * what failed) when the ack policy was not met. */
bool sessionCommand(void **mod_data, const std::vector<std::string> &args, dbsync::Reply &reply) {
    SessionData *data = static_cast<SessionData *>(PS_GET_MOD_DATA());
    if (!data) return false;
    std::vector<dbsync::Address> addresses = data->addresses;
    dbsync::FanoutOptions options;
    std::string err;
    if (!dbsyncCallSettings(data->configured, addresses, options, err)) {
        php_error_docref(nullptr, E_WARNING, "dbsync session: %s", err.c_str());
        return false;
    }
    std::string request;
    dbsync::resp::appendCommand(request, args);
    dbsync::PipelineResult result;
    if (!dbsyncRun(DBSYNC_G(state), addresses, request, 1, options, result, err)) {
        php_error_docref(nullptr, E_WARNING, "dbsync session: %s", err.c_str());
        return false;
    }
    if (!result.commands[0].ok) {
        php_error_docref(nullptr, E_WARNING, "dbsync session: %s failed: %s", args[0].c_str(),
                         result.commands[0].error.c_str());
        return false;
    }
    reply = std::move(result.commands[0].reply);
    return true;
}

}  // namespace

PS_OPEN_FUNC(dbsync) {
    (void)session_name;
    auto data = std::make_unique<SessionData>();
    if (save_path && *save_path) {
        std::string err;
        if (!dbsync::parseServerList(save_path, data->addresses, err)) {
            php_error_docref(nullptr, E_WARNING, "dbsync session: session.save_path: %s", err.c_str());
            return FAILURE;
        }
        data->configured = false;
    }
    PS_SET_MOD_DATA(data.release());
    return SUCCESS;
}

PS_CLOSE_FUNC(dbsync) {
    delete static_cast<SessionData *>(PS_GET_MOD_DATA());
    PS_SET_MOD_DATA(nullptr);
    return SUCCESS;
}

PS_READ_FUNC(dbsync) {
    (void)maxlifetime;
    dbsync::Reply reply;
    if (!sessionCommand(mod_data, {"GET", sessionKey(key)}, reply)) return FAILURE;
    if (reply.type == dbsync::Reply::Type::String)
        *val = zend_string_init(reply.str.data(), reply.str.size(), 0);
    else
        *val = ZSTR_EMPTY_ALLOC();  // no such session (yet): an empty one
    return SUCCESS;
}

PS_WRITE_FUNC(dbsync) {
    dbsync::Reply reply;
    return sessionCommand(mod_data,
                          {"SET", sessionKey(key), std::string(ZSTR_VAL(val), ZSTR_LEN(val)), "PXAT",
                           deadlineMs(maxlifetime)},
                          reply)
               ? SUCCESS
               : FAILURE;
}

PS_DESTROY_FUNC(dbsync) {
    dbsync::Reply reply;
    return sessionCommand(mod_data, {"DEL", sessionKey(key)}, reply) ? SUCCESS : FAILURE;
}

PS_GC_FUNC(dbsync) {
    (void)mod_data;
    (void)maxlifetime;
    *nrdels = 0;  // every session carries its own deadline; Redis expires it
    return 0;
}

PS_CREATE_SID_FUNC(dbsync) { return php_session_create_id(mod_data); }

/* Strict mode: only ids whose session exists are taken from the client. */
PS_VALIDATE_SID_FUNC(dbsync) {
    dbsync::Reply reply;
    if (!sessionCommand(mod_data, {"EXISTS", sessionKey(key)}, reply)) return FAILURE;
    return reply.type == dbsync::Reply::Type::Integer && reply.integer == 1 ? SUCCESS : FAILURE;
}

/* Unchanged data (session.lazy_write): move the deadline only. A session
 * that expired or was removed meanwhile is written again. */
PS_UPDATE_TIMESTAMP_FUNC(dbsync) {
    dbsync::Reply reply;
    std::string k = sessionKey(key);
    std::string deadline = deadlineMs(maxlifetime);
    if (!sessionCommand(mod_data, {"PEXPIREAT", k, deadline}, reply)) return FAILURE;
    if (reply.type == dbsync::Reply::Type::Integer && reply.integer == 1) return SUCCESS;
    return sessionCommand(mod_data, {"SET", k, std::string(ZSTR_VAL(val), ZSTR_LEN(val)), "PXAT", deadline}, reply)
               ? SUCCESS
               : FAILURE;
}

namespace {
const ps_module dbsyncSessionModule = {PS_MOD_UPDATE_TIMESTAMP(dbsync)};
}

void dbsyncRegisterSessionHandler() { php_session_register_module(&dbsyncSessionModule); }
