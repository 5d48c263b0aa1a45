--TEST--
dbsync_send(): every server down gives false and a warning naming each one
--SKIPIF--
<?php $needs = ['REFUSED']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$bad = test_env('REFUSED');
ini_set('dbsync.servers', "$bad,unix:/nonexistent/dbsync.sock");
$t = microtime(true);
var_dump(dbsync_send('PING'));
var_dump(microtime(true) - $t < 2.0);
echo dbsync_last_error(), "\n";
foreach (dbsync_last_status() as $s) {
    echo $s['server'], ' ok=', var_export($s['ok'], true), ' pending=', var_export($s['pending'], true), ' error=', $s['error'], "\n";
}
// The default ini address (nothing listens on 127.0.0.1:1111 in the tests).
ini_restore('dbsync.servers');
var_dump(dbsync_send('PING', '127.0.0.1:1'));
?>
--EXPECTF--
Warning: dbsync_send(): no server succeeded: 127.0.0.1:%d: connect: Connection refused; unix:/nonexistent/dbsync.sock: connect: No such file or directory in %s on line %d
bool(false)
bool(true)
no server succeeded: 127.0.0.1:%d: connect: Connection refused; unix:/nonexistent/dbsync.sock: connect: No such file or directory
127.0.0.1:%d ok=false pending=false error=connect: Connection refused
unix:/nonexistent/dbsync.sock ok=false pending=false error=connect: No such file or directory

Warning: dbsync_send(): 127.0.0.1:1: connect: Connection refused in %s on line %d
bool(false)
