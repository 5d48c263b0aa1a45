--TEST--
dbsync_send(): one command reaches every server; $servers overrides dbsync.servers
--SKIPIF--
<?php $needs = ['REDIS1', 'REDIS2']; require __DIR__ . '/skipif.inc'; ?>
--INI--
dbsync.servers=127.0.0.1:1
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
$r2 = test_env('REDIS2');
$k = test_key('fanout');

// $servers wins over the (unusable) ini setting.
var_dump(dbsync_send(['SET', $k, 'both'], "$r1,$r2"));
var_dump(raw_command($r1, ['GET', $k]), raw_command($r2, ['GET', $k]));
$st = dbsync_last_status();
var_dump(count($st), $st[0]['server'] === $r1, $st[1]['server'] === $r2);

// With ack=all the call only returns once both have applied it.
ini_set('dbsync.ack', 'all');
ini_set('dbsync.servers', " $r1 , $r2 ,$r1 ");  // blanks and a duplicate are fine
var_dump(dbsync_send(['APPEND', $k, '+']));
var_dump(raw_command($r1, ['GET', $k]), raw_command($r2, ['GET', $k]));
$st = dbsync_last_status();
var_dump(count($st), $st[0]['ok'], $st[1]['ok'], $st[0]['pending'], $st[1]['pending']);

// One server only: the other keeps its value.
var_dump(dbsync_send(['SET', $k, 'one'], $r2));
var_dump(raw_command($r1, ['GET', $k]), raw_command($r2, ['GET', $k]));
dbsync_send(['DEL', $k]);
var_dump(raw_command($r1, ['EXISTS', $k]), raw_command($r2, ['EXISTS', $k]));
?>
--EXPECT--
string(2) "OK"
string(4) "both"
string(4) "both"
int(2)
bool(true)
bool(true)
string(1) "5"
string(5) "both+"
string(5) "both+"
int(2)
bool(true)
bool(true)
bool(false)
bool(false)
string(2) "OK"
string(5) "both+"
string(3) "one"
int(0)
int(0)
