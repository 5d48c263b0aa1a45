/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: 9697fc6ab391b076b99f9a2d565aee6170adcd7d */

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_dbsync_send, 0, 1, MAY_BE_STRING|MAY_BE_ARRAY|MAY_BE_NULL|MAY_BE_FALSE)
	ZEND_ARG_TYPE_MASK(0, command, MAY_BE_STRING|MAY_BE_ARRAY, NULL)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, servers, IS_STRING, 1, "null")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_dbsync_reset, 0, 0, IS_VOID, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_dbsync_last_error, 0, 0, IS_STRING, 1)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_dbsync_last_status, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()


ZEND_FUNCTION(dbsync_send);
ZEND_FUNCTION(dbsync_reset);
ZEND_FUNCTION(dbsync_last_error);
ZEND_FUNCTION(dbsync_last_status);


static const zend_function_entry ext_functions[] = {
	ZEND_FE(dbsync_send, arginfo_dbsync_send)
	ZEND_FE(dbsync_reset, arginfo_dbsync_reset)
	ZEND_FE(dbsync_last_error, arginfo_dbsync_last_error)
	ZEND_FE(dbsync_last_status, arginfo_dbsync_last_status)
	ZEND_FE_END
};
