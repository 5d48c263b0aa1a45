--TEST--
dbsync_send(): one of two servers refused costs nothing with ack=one, fails ack=all
--SKIPIF--
<?php $needs = ['REDIS1', 'REFUSED']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
$bad = test_env('REFUSED');
$k = test_key('refused');
ini_set('dbsync.servers', "$bad,$r1");

$t = microtime(true);
var_dump(dbsync_send(['SET', $k, 'v']));
var_dump(microtime(true) - $t < 2.0);
var_dump(dbsync_last_error());
$st = dbsync_last_status();
var_dump($st[0]['server'] === $bad, $st[0]['ok'], $st[0]['error']);
var_dump($st[1]['server'] === $r1, $st[1]['ok'], $st[1]['error']);
var_dump(raw_command($r1, ['GET', $k]));

ini_set('dbsync.ack', 'all');
var_dump(dbsync_send(['SET', $k, 'w']));
var_dump(str_starts_with(dbsync_last_error(), "ack=all needs 2 of 2 servers, 0 succeeded, 1 failed: $bad: connect: Connection refused")
    || str_starts_with(dbsync_last_error(), "ack=all needs 2 of 2 servers, 1 succeeded, 1 failed: $bad: connect: Connection refused"));
// The command still reached the live server (it may answer after the call returned).
dbsync_send(['PING'], $r1);
var_dump(raw_command($r1, ['GET', $k]));
dbsync_send(['DEL', $k], $r1);
?>
--EXPECTF--
string(2) "OK"
bool(true)
NULL
bool(true)
bool(false)
string(27) "connect: Connection refused"
bool(true)
bool(true)
NULL
string(1) "v"

Warning: dbsync_send(): ack=all needs 2 of 2 servers, %d succeeded, 1 failed: 127.0.0.1:%d: connect: Connection refused%A in %s on line %d
bool(false)
bool(true)
string(1) "w"
