--TEST--
dbsync_send(string): redis-cli style splitting, quoting and reply types
--SKIPIF--
<?php $needs = ['REDIS1']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
ini_set('dbsync.servers', test_env('REDIS1'));
$k = test_key('str');

var_dump(dbsync_send("SET $k \"a b\\\"c\\\\d\\n\\r\\t\\x41\\x00z\""));
var_dump(dbsync_send("GET $k") === "a b\"c\\d\n\r\tA\0z");
var_dump(raw_command(test_env('REDIS1'), ['GET', $k]) === "a b\"c\\d\n\r\tA\0z");

// Single quotes are literal: no escapes.
var_dump(dbsync_send("SET $k 'x\\ny \"q\"'"));
var_dump(dbsync_send("GET $k"));

// Blanks between arguments: spaces, tabs, several of them.
var_dump(dbsync_send("  SET \t $k    v1  "));
var_dump(dbsync_send("GET $k"));

// Reply types: status, integer (as a string), nil.
var_dump(dbsync_send("PING"));
var_dump(dbsync_send("DEL $k"));
var_dump(dbsync_send("INCRBY $k 41"), dbsync_send("INCR $k"));
var_dump(dbsync_send("GET $k-missing"));
var_dump(dbsync_last_error());
dbsync_send("DEL $k");
?>
--EXPECT--
string(2) "OK"
bool(true)
bool(true)
string(2) "OK"
string(8) "x\ny "q""
string(2) "OK"
string(2) "v1"
string(4) "PONG"
string(1) "1"
string(2) "41"
string(2) "42"
NULL
NULL
