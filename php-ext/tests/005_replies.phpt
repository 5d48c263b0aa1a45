--TEST--
dbsync_send(): multi-bulk, nested, empty and nil replies
--SKIPIF--
<?php $needs = ['REDIS1']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
ini_set('dbsync.servers', test_env('REDIS1'));
$k = test_key('list');

var_dump(dbsync_send(['RPUSH', $k, 'a', 'b c', '']));
var_dump(dbsync_send("LRANGE $k 0 -1"));
var_dump(dbsync_send("LRANGE $k-missing 0 -1"));
// Nested arrays, integers and nil inside (Lua false is a nil reply).
var_dump(dbsync_send(['EVAL', "return {1, {2, 'x', {}}, false, 'end'}", '0']));
// A nil multi-bulk reply (*-1) is null too.
var_dump(dbsync_send(['BLPOP', "$k-missing", '0.01']));
// EXEC: an error nested in the reply becomes false.
var_dump(dbsync_send('MULTI'));
var_dump(dbsync_send(['SET', "$k-s", 'v']), dbsync_send(['LPUSH', "$k-s", 'x']));
var_dump(dbsync_send('EXEC'));
dbsync_send(['DEL', $k, "$k-s"]);
?>
--EXPECT--
string(1) "3"
array(3) {
  [0]=>
  string(1) "a"
  [1]=>
  string(3) "b c"
  [2]=>
  string(0) ""
}
array(0) {
}
array(4) {
  [0]=>
  string(1) "1"
  [1]=>
  array(3) {
    [0]=>
    string(1) "2"
    [1]=>
    string(1) "x"
    [2]=>
    array(0) {
    }
  }
  [2]=>
  NULL
  [3]=>
  string(3) "end"
}
NULL
string(2) "OK"
string(6) "QUEUED"
string(6) "QUEUED"
array(2) {
  [0]=>
  string(2) "OK"
  [1]=>
  bool(false)
}
