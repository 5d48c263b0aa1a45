--TEST--
dbsync_send(): a command that may have reached the server is never sent twice
--SKIPIF--
<?php $needs = ['EATER']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
// The peer answers the first command of a connection, then reads the second
// one and hangs up without answering.
$peer = test_env('EATER');
ini_set('dbsync.servers', $peer);
ini_set('dbsync.timeout', '2000');

var_dump(dbsync_send(['SET', 'k', 'first']));
var_dump(dbsync_send(['SET', 'k', 'second']));
echo dbsync_last_error(), "\n";
$log = peer_log('eater');
echo "connections: {$log['conn']}, commands: {$log['cmd']}\n";

// The next call connects again.
var_dump(dbsync_send(['SET', 'k', 'third']));
$log = peer_log('eater');
echo "connections: {$log['conn']}, commands: {$log['cmd']}\n";
?>
--EXPECTF--
string(2) "OK"

Warning: dbsync_send(): 127.0.0.1:%d: connection closed by server (the command may have reached the server; not resent) in %s on line %d
bool(false)
127.0.0.1:%d: connection closed by server (the command may have reached the server; not resent)
connections: 1, commands: 2
string(2) "OK"
connections: 2, commands: 3
