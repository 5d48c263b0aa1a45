/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: 4294893d4da25deaa8082447c2dbcc3b44490a08 */

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_dbsync_send, 0, 1, MAY_BE_STRING|MAY_BE_ARRAY|MAY_BE_NULL|MAY_BE_FALSE)
	ZEND_ARG_TYPE_MASK(0, command, MAY_BE_STRING|MAY_BE_ARRAY, NULL)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, servers, IS_STRING, 1, "null")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_dbsync_send_many, 0, 1, MAY_BE_ARRAY|MAY_BE_FALSE)
	ZEND_ARG_TYPE_INFO(0, commands, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, servers, IS_STRING, 1, "null")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_dbsync_reset, 0, 0, IS_VOID, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_dbsync_last_error, 0, 0, IS_STRING, 1)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_dbsync_last_status, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()


ZEND_FUNCTION(dbsync_send);
ZEND_FUNCTION(dbsync_send_many);
ZEND_FUNCTION(dbsync_reset);
ZEND_FUNCTION(dbsync_last_error);
ZEND_FUNCTION(dbsync_last_status);


static const zend_function_entry ext_functions[] = {
	ZEND_FE(dbsync_send, arginfo_dbsync_send)
	ZEND_FE(dbsync_send_many, arginfo_dbsync_send_many)
	ZEND_FE(dbsync_reset, arginfo_dbsync_reset)
	ZEND_FE(dbsync_last_error, arginfo_dbsync_last_error)
	ZEND_FE(dbsync_last_status, arginfo_dbsync_last_status)
	ZEND_FE_END
};
