--TEST--
dbsync_reset() and dbsync.keepalive: connections kept for the request, or closed after each call
--SKIPIF--
<?php $needs = ['REDIS1']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
ini_set('dbsync.servers', test_env('REDIS1'));

// keepalive=1 (default): one connection for the whole request.
$a = dbsync_send('CLIENT ID');
$b = dbsync_send('CLIENT ID');
var_dump((bool)preg_match('/^[0-9]+$/', $a), $a === $b);

// dbsync_reset() closes it; the next call reconnects.
dbsync_reset();
$c = dbsync_send('CLIENT ID');
var_dump($c !== $b);
// The old connection is really gone from the server.
var_dump(client_gone(test_env('REDIS1'), $b));

// keepalive=0: the connection is closed right after each call (the first
// call still uses the one already open), so every call gets a new one.
ini_set('dbsync.keepalive', '0');
$d = dbsync_send('CLIENT ID');
$e = dbsync_send('CLIENT ID');
$f = dbsync_send('CLIENT ID');
var_dump($d === $c, $e !== $d, $f !== $e);
var_dump(client_gone(test_env('REDIS1'), $e), client_gone(test_env('REDIS1'), $f));
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
