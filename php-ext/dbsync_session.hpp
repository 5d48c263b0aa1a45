/* dbsync PHP extension: the "dbsync" session save handler.
 *
 * session.save_handler = dbsync keeps PHP sessions in every database through
 * dbsync.servers (or session.save_path, same syntax). See dbsync_session.cpp. */
#ifndef DBSYNC_SESSION_HPP
#define DBSYNC_SESSION_HPP

/* Registers the handler with ext/session; call from MINIT. */
void dbsyncRegisterSessionHandler();

#endif /* DBSYNC_SESSION_HPP */
