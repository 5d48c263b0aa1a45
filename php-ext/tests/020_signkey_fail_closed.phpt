--TEST--
dbsync.signkey that cannot be loaded: every call fails, nothing is ever sent in plain text
--SKIPIF--
<?php $needs = ['REDIS1', 'COUNTER']; require __DIR__ . '/skipif.inc'; ?>
--INI--
dbsync.signkey=/nonexistent/private.pem
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
$k = test_key('signkey');
var_dump(dbsync_send(['SET', $k, 'plain'], $r1));
var_dump(dbsync_last_error());
var_dump(raw_command($r1, ['EXISTS', $k]));
// A plain listener is not even connected to.
var_dump(dbsync_send(['SET', $k, 'plain'], test_env('COUNTER')));
usleep(100000);
var_dump(peer_log('counter')['conn'], counter_chunks());
var_dump(ini_set('dbsync.signkey', ''));  // not changeable at run time
var_dump(ini_set('dbsync.server_pubkey', '/tmp/x.pem'));
var_dump(ini_set('dbsync.server_verify', '0'));
?>
--EXPECTF--
Warning: dbsync_send(): dbsync.signkey /nonexistent/private.pem: No such file or directory in %s on line %d
bool(false)
string(%d) "dbsync.signkey /nonexistent/private.pem: No such file or directory"
int(0)

Warning: dbsync_send(): dbsync.signkey /nonexistent/private.pem: No such file or directory in %s on line %d
bool(false)
int(0)
array(0) {
}
bool(false)
bool(false)
bool(false)
