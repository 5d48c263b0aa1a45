dnl config.m4 for the dbsync extension (C++20, links the client core in ../client
dnl and what it shares with dbsyncd in ../common).
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

  dnl The source root: client/ and common/ headers are included as
  dnl "client/fanout.hpp", common/ ones also by bare name (-I.../common).
  dnl client/ itself is on no include path (dbsyncd has a fanout.hpp too).
  DBSYNC_ROOT_DIR=`cd "$abs_srcdir/.." && pwd`
  if test ! -f "$DBSYNC_ROOT_DIR/client/fanout.hpp"; then
    AC_MSG_ERROR([dbsync client core not found in $DBSYNC_ROOT_DIR/client: build from a full source tree])
  fi

  DBSYNC_CXXFLAGS="-std=c++20 -Wall -Wextra -I$DBSYNC_ROOT_DIR -I$DBSYNC_ROOT_DIR/common $DBSYNC_SSL_CFLAGS"
  if test "$PHP_DBSYNC_DEBUG" != "no"; then
    DBSYNC_CXXFLAGS="$DBSYNC_CXXFLAGS -DDBSYNC_DEBUG=1"
  fi

  PHP_NEW_EXTENSION(dbsync, dbsync.cpp dbsync_call.cpp dbsync_functions.cpp dbsync_session.cpp, $ext_shared, , $DBSYNC_CXXFLAGS, cxx)

  dnl The client core and the shared sources live outside this directory.
  dnl PHP_ADD_SOURCES derives object paths from source paths (and cannot
  dnl handle "../"), which would drop objects into ../client and ../common;
  dnl give each one a rule of our own that builds into common-objs/ here,
  dnl with the same compiler command line. Paths are relative to the source
  dnl root, and each object keeps its source's folder (common-objs/client/
  dnl fanout.lo, common-objs/common/log.lo), so no two names can clash.
  DBSYNC_OUTSIDE_SOURCES="client/connection.cpp client/fanout.cpp client/pool.cpp client/reply_decoder.cpp client/reply_reader.cpp client/server_list.cpp client/stream.cpp client/tls.cpp common/ack_policy.cpp common/address.cpp common/command_tokenizer.cpp common/log.cpp common/reply_framer.cpp common/resp_writer.cpp common/tls_context.cpp common/tls_keys.cpp"
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
  for dbsync_src in $DBSYNC_OUTSIDE_SOURCES; do
    dbsync_obj=common-objs/`echo $dbsync_src | sed 's/\.cpp$//'`
    if test "$ext_shared" = "yes" || test "$ext_shared" = "shared"; then
      shared_objects_dbsync="$shared_objects_dbsync $dbsync_obj.lo"
    else
      PHP_GLOBAL_OBJS="$PHP_GLOBAL_OBJS $ext_builddir/$dbsync_obj.lo"
    fi
    cat >>Makefile.objects <<DBSYNC_EOF
-include $dbsync_obj.dep
$dbsync_obj.lo: $DBSYNC_ROOT_DIR/$dbsync_src
	$dbsync_cxx_pre -I. -I$abs_srcdir $dbsync_cxx_meta $DBSYNC_CXXFLAGS -DZEND_COMPILE_DL_EXT=1 -c $DBSYNC_ROOT_DIR/$dbsync_src -o $dbsync_obj.$dbsync_lo $dbsync_cxx_post -MMD -MF $dbsync_obj.dep -MT $dbsync_obj.lo
DBSYNC_EOF
  done
  PHP_ADD_EXTENSION_DEP(dbsync, session)
  PHP_ADD_BUILD_DIR([$ext_builddir/common-objs/client $ext_builddir/common-objs/common], 1)
  PHP_ADD_MAKEFILE_FRAGMENT
fi
