--TEST--
dbsync_send(): a server that accepts but never answers costs at most dbsync.timeout, nothing when another one answered
--SKIPIF--
<?php $needs = ['REDIS1', 'SILENT']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
$silent = test_env('SILENT');
$k = test_key('silent');

// Alone: bounded by the timeout (generous upper bound, no lower bound).
ini_set('dbsync.timeout', '300');
$t = microtime(true);
var_dump(dbsync_send(['SET', $k, 'v'], $silent));
var_dump(microtime(true) - $t < 2.0);
var_dump(dbsync_last_error() === "$silent: no reply within 300 ms");

// Next to a live server with ack=one: the live answer returns the call long
// before the (now large) timeout.
ini_set('dbsync.timeout', '10000');
$t = microtime(true);
var_dump(dbsync_send(['SET', $k, 'v'], "$silent,$r1"));
var_dump(microtime(true) - $t < 5.0);
$st = dbsync_last_status();
var_dump($st[0]['ok'], $st[0]['pending'], $st[0]['error'], $st[1]['ok']);

// The silent server still owes that reply; the next call must not wait for
// it (it goes to the live server only) nor mix replies up.
var_dump(dbsync_send(['GET', $k], $r1));

// ack=all cannot be met: the call ends at the timeout, naming the server.
ini_set('dbsync.ack', 'all');
ini_set('dbsync.timeout', '300');
$t = microtime(true);
var_dump(dbsync_send(['GET', $k], "$silent,$r1"));
var_dump(microtime(true) - $t < 2.0);
var_dump(dbsync_last_error() === "ack=all needs 2 of 2 servers, 1 succeeded, 1 failed: $silent: no reply within 300 ms");
dbsync_send(['DEL', $k], $r1);
?>
--EXPECTF--
Warning: dbsync_send(): 127.0.0.1:%d: no reply within 300 ms in %s on line %d
bool(false)
bool(true)
bool(true)
string(2) "OK"
bool(true)
bool(false)
bool(true)
NULL
bool(true)
string(1) "v"

Warning: dbsync_send(): ack=all needs 2 of 2 servers, 1 succeeded, 1 failed: 127.0.0.1:%d: no reply within 300 ms in %s on line %d
bool(false)
bool(true)
bool(true)
