--TEST--
dbsync_send(): a Redis error reply gives false, an E_WARNING naming the server, and dbsync_last_error()
--SKIPIF--
<?php $needs = ['REDIS1']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
ini_set('dbsync.servers', $r1);
$k = test_key('err');

var_dump(dbsync_send("NOSUCHCOMMAND x"));
var_dump(dbsync_last_error() === "$r1: ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ");
$st = dbsync_last_status();
var_dump(count($st), $st[0]['server'] === $r1, $st[0]['ok'], $st[0]['pending'], str_starts_with($st[0]['error'], 'ERR unknown'));

dbsync_send("SET $k notanumber");
var_dump(dbsync_send("INCR $k"));

// A success clears the last error; the connection is still in step.
var_dump(dbsync_send("GET $k"), dbsync_last_error());
$st = dbsync_last_status();
var_dump($st[0]['ok'], $st[0]['error'], is_float($st[0]['time_ms']) && $st[0]['time_ms'] >= 0);
dbsync_send("DEL $k");
?>
--EXPECTF--
Warning: dbsync_send(): %s: ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x'  in %s on line %d
bool(false)
bool(true)
int(1)
bool(true)
bool(false)
bool(false)
bool(true)

Warning: dbsync_send(): %s: ERR value is not an integer or out of range in %s on line %d
bool(false)
string(10) "notanumber"
NULL
bool(true)
NULL
bool(true)
