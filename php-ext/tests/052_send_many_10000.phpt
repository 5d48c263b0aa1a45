--TEST--
dbsync_send_many(): 10,000 commands with binary values in one call, through dbsyncd to both databases, each applied once
--SKIPIF--
<?php $needs = ['DBSYNCD1', 'REDIS1', 'REDIS2']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$d1 = test_env('DBSYNCD1');
$dbs = [test_env('REDIS1'), test_env('REDIS2')];
$k = test_key('10k');
ini_set('dbsync.servers', $d1);
ini_set('dbsync.ack', 'all');

// Every byte value, CR LF and NUL in keys and values.
$val = fn(int $i) => "v\0\r\n$i" . chr($i % 256) . str_repeat("\xff", $i % 7);
$cmds = [];
for ($i = 0; $i < 10000; $i++) {
    $cmds[] = $i % 2 ? ['INCR', "$k:n"] : ['SET', "$k:\r\n" . $i, $val($i)];
}
$res = dbsync_send_many($cmds);
var_dump(count($res), dbsync_last_error());
var_dump(count(array_filter($res, fn($r) => $r === 'OK')), $res[9999]);
// Replies come back in order: INCR's results count up one by one.
$incr = array_values(array_filter($res, fn($r) => $r !== 'OK'));
var_dump($incr === array_map('strval', range(1, 5000)));

// Read back through dbsyncd in one call, and straight from each database.
$gets = [];
for ($i = 0; $i < 10000; $i += 2) $gets[] = ['GET', "$k:\r\n" . $i];
$back = dbsync_send_many($gets);
$want = [];
for ($i = 0; $i < 10000; $i += 2) $want[] = $val($i);
var_dump($back === $want);
foreach ($dbs as $db) var_dump(raw_command($db, ['GET', "$k:n"]), raw_command($db, ['GET', "$k:\r\n9998"]) === $val(9998));

// A 1 MB value between small ones.
$big = random_bytes(1 << 20);
var_dump(dbsync_send_many([['SET', "$k:big", $big], ['STRLEN', "$k:big"], ['GET', "$k:big"]]) === ['OK', '1048576', $big]);

$del = [];
for ($i = 0; $i < 10000; $i += 2) $del[] = ['DEL', "$k:\r\n" . $i];
$del[] = ['DEL', "$k:n", "$k:big"];
var_dump(count(array_filter(dbsync_send_many($del), fn($r) => $r === '1' || $r === '2')));
?>
--EXPECT--
int(10000)
NULL
int(5000)
string(4) "5000"
bool(true)
bool(true)
string(4) "5000"
bool(true)
string(4) "5000"
bool(true)
bool(true)
int(5001)
