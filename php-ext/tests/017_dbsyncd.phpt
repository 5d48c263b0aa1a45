--TEST--
dbsync_send() through two real dbsyncd instances reaches every Redis database once
--SKIPIF--
<?php $needs = ['DBSYNCD1', 'DBSYNCD2', 'REDIS1', 'REDIS2', 'REDIS3']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
// run.sh: dbsyncd 1 fans out to redis 1 and 2, dbsyncd 2 to redis 3.
$d1 = test_env('DBSYNCD1'); $d2 = test_env('DBSYNCD2');
$dbs = [test_env('REDIS1'), test_env('REDIS2'), test_env('REDIS3')];
$k = test_key('daemon');
ini_set('dbsync.servers', "$d1,$d2");

foreach (['one', 'quorum', 'all'] as $ack) {
    ini_set('dbsync.ack', $ack);
    var_dump(dbsync_send(['SET', "$k:$ack", "v\0$ack"]));
}
// Every database got every write (with ack=one the call may return before
// the slower path has applied it, so look until it has).
foreach (['one', 'quorum', 'all'] as $ack) {
    var_dump(eventually(function () use ($dbs, $k, $ack) {
        foreach ($dbs as $db) if (raw_command($db, ['GET', "$k:$ack"]) !== "v\0$ack") return false;
        return true;
    }));
}
// Replies come back through the daemon with the same shapes, and a
// non-idempotent command is applied exactly once per database.
ini_set('dbsync.ack', 'all');
var_dump(dbsync_send("RPUSH $k:l a b"), dbsync_send("LRANGE $k:l 0 -1"), dbsync_send("GET $k:nil"), dbsync_send("INCR $k:n"));
foreach ($dbs as $db) var_dump(raw_command($db, ['GET', "$k:n"]));
$big = str_repeat('0123456789abcdef', 65536);
var_dump(dbsync_send(['SET', "$k:big", $big]), dbsync_send(['GET', "$k:big"], $d2) === $big);
foreach ($dbs as $db) var_dump(raw_command($db, ['STRLEN', "$k:big"]));
var_dump(@dbsync_send('NOSUCHCOMMAND'), str_contains(dbsync_last_error(), 'NOSUCHCOMMAND'));
dbsync_send(['DEL', "$k:one", "$k:quorum", "$k:all", "$k:l", "$k:n", "$k:big"]);
?>
--EXPECT--
string(2) "OK"
string(2) "OK"
string(2) "OK"
bool(true)
bool(true)
bool(true)
string(1) "2"
array(2) {
  [0]=>
  string(1) "a"
  [1]=>
  string(1) "b"
}
NULL
string(1) "1"
string(1) "1"
string(1) "1"
string(1) "1"
string(2) "OK"
bool(true)
int(1048576)
int(1048576)
int(1048576)
bool(false)
bool(true)
