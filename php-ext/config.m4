dnl config.m4 for the dbsync extension (C++20, links the client core in ../common).
dnl
dnl   phpize && ./configure --enable-dbsync [--enable-dbsync-debug] && make && make install

PHP_ARG_ENABLE([dbsync],
  [whether to enable dbsync support],
  [AS_HELP_STRING([--enable-dbsync], [Enable dbsync support])],
  [no])

PHP_ARG_ENABLE([dbsync-debug],
  [whether to trace every dbsync call to stderr],
  [AS_HELP_STRING([--enable-dbsync-debug], [dbsync: trace each call to stderr (DBSYNC_DEBUG)])],
  [no],
  [no])

if test "$PHP_DBSYNC" != "no"; then
  PHP_REQUIRE_CXX()

  dnl OpenSSL 3 (libssl, libcrypto): TLS 1.3 with pinned keys for dbsync.signkey.
  AC_MSG_CHECKING([for OpenSSL 3])
  if test -x "`command -v pkg-config`" && pkg-config --atleast-version=3.0 openssl; then
    DBSYNC_SSL_CFLAGS=`pkg-config --cflags openssl`
    DBSYNC_SSL_LIBS=`pkg-config --libs openssl`
    AC_MSG_RESULT([`pkg-config --modversion openssl` (pkg-config)])
  elif test -f /usr/include/openssl/ssl.h && grep -q 'OPENSSL_VERSION_MAJOR  *3' /usr/include/openssl/opensslv.h 2>/dev/null; then
    DBSYNC_SSL_CFLAGS=
    DBSYNC_SSL_LIBS="-lssl -lcrypto"
    AC_MSG_RESULT([found])
  else
    AC_MSG_ERROR([OpenSSL 3 not found: install libssl-dev])
  fi
  PHP_EVAL_LIBLINE($DBSYNC_SSL_LIBS, DBSYNC_SHARED_LIBADD)
  PHP_SUBST(DBSYNC_SHARED_LIBADD)

  DBSYNC_COMMON_DIR="$abs_srcdir/../common"
  if test ! -f "$DBSYNC_COMMON_DIR/client_fanout.hpp"; then
    AC_MSG_ERROR([dbsync client core not found in $DBSYNC_COMMON_DIR: build from a full source tree])
  fi

  DBSYNC_CXXFLAGS="-std=c++20 -Wall -Wextra -I$DBSYNC_COMMON_DIR $DBSYNC_SSL_CFLAGS"
  if test "$PHP_DBSYNC_DEBUG" != "no"; then
    DBSYNC_CXXFLAGS="$DBSYNC_CXXFLAGS -DDBSYNC_DEBUG=1"
  fi

  PHP_NEW_EXTENSION(dbsync, dbsync.cpp dbsync_call.cpp dbsync_functions.cpp dbsync_session.cpp, $ext_shared, , $DBSYNC_CXXFLAGS, cxx)

  dnl The client core sources live outside this directory. PHP_ADD_SOURCES
  dnl derives object paths from source paths (and cannot handle "../"), which
  dnl would drop objects into ../common; give each one a rule of our own that
  dnl builds into common-objs/ here, with the same compiler command line.
  DBSYNC_COMMON_SOURCES="ack_policy.cpp client_connection.cpp client_fanout.cpp client_pool.cpp client_reply_decoder.cpp client_reply_reader.cpp client_server_list.cpp client_stream.cpp client_tls.cpp tls_context.cpp tls_keys.cpp address.cpp command_tokenizer.cpp log.cpp reply_framer.cpp resp_writer.cpp"
  if test "$ext_shared" = "yes" || test "$ext_shared" = "shared"; then
    dbsync_cxx_pre=$shared_cxx_pre
    dbsync_cxx_meta=$shared_cxx_meta
    dbsync_cxx_post=$shared_cxx_post
    dbsync_lo=$shared_lo
  else
    dbsync_cxx_pre=$php_cxx_pre
    dbsync_cxx_meta=$php_cxx_meta
    dbsync_cxx_post=$php_cxx_post
    dbsync_lo=$php_lo
  fi
  for dbsync_src in $DBSYNC_COMMON_SOURCES; do
    dbsync_obj=common-objs/`echo $dbsync_src | sed 's/\.cpp$//'`
    if test "$ext_shared" = "yes" || test "$ext_shared" = "shared"; then
      shared_objects_dbsync="$shared_objects_dbsync $dbsync_obj.lo"
    else
      PHP_GLOBAL_OBJS="$PHP_GLOBAL_OBJS $ext_builddir/$dbsync_obj.lo"
    fi
    cat >>Makefile.objects <<DBSYNC_EOF
-include $dbsync_obj.dep
$dbsync_obj.lo: $DBSYNC_COMMON_DIR/$dbsync_src
	$dbsync_cxx_pre -I. -I$abs_srcdir $dbsync_cxx_meta $DBSYNC_CXXFLAGS -DZEND_COMPILE_DL_EXT=1 -c $DBSYNC_COMMON_DIR/$dbsync_src -o $dbsync_obj.$dbsync_lo $dbsync_cxx_post -MMD -MF $dbsync_obj.dep -MT $dbsync_obj.lo
DBSYNC_EOF
  done
  PHP_ADD_EXTENSION_DEP(dbsync, session)
  PHP_ADD_BUILD_DIR([$ext_builddir/common-objs], 1)
  PHP_ADD_MAKEFILE_FRAGMENT
fi
