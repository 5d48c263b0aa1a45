--TEST--
dbsync_send(): replies that arrive after the call returned are dropped, never mixed into later calls
--SKIPIF--
<?php $needs = ['REDIS1', 'REDIS2']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
$r2 = test_env('REDIS2');
ini_set('dbsync.servers', "$r1,$r2");
ini_set('dbsync.timeout', '10000');
var_dump(dbsync_send('PING'));  // both connections open

// r1 stops processing commands for 1.5 s: its reply to 'first' comes late.
var_dump(raw_command($r1, ['CLIENT', 'PAUSE', '1500', 'ALL']));
$t = microtime(true);
var_dump(dbsync_send(['ECHO', 'first']));
var_dump(microtime(true) - $t < 1.2);  // returned on r2's answer, not after the pause
$st = dbsync_last_status();
var_dump($st[0]['pending'], $st[1]['ok']);

// The r1 connection owes 'first'. Asking r1 alone must give 'second':
// the late 'first' is read and dropped on the way.
var_dump(dbsync_send(['ECHO', 'second'], $r1));
var_dump(dbsync_send(['ECHO', 'third']));
var_dump(dbsync_send(['ECHO', 'fourth'], $r1));
var_dump(dbsync_send(['ECHO', 'fifth'], $r2));

// Several owed replies in a row are dropped in order too.
var_dump(raw_command($r1, ['CLIENT', 'PAUSE', '800', 'ALL']));
foreach (['a', 'b', 'c'] as $x) var_dump(dbsync_send(['ECHO', $x]));
var_dump(dbsync_send(['ECHO', 'last'], $r1));
?>
--EXPECT--
string(4) "PONG"
string(2) "OK"
string(5) "first"
bool(true)
bool(true)
bool(true)
string(6) "second"
string(5) "third"
string(6) "fourth"
string(5) "fifth"
string(2) "OK"
string(1) "a"
string(1) "b"
string(1) "c"
string(4) "last"
