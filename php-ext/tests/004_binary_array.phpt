--TEST--
dbsync_send(array): binary-safe arguments, ints and floats, a 1 MiB value
--SKIPIF--
<?php $needs = ['REDIS1']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
ini_set('dbsync.servers', test_env('REDIS1'));
$k = test_key("bin\0\r\n key");

$binary = "\0\r\n\$3\r\n*1\r\n" . implode('', array_map('chr', range(0, 255)));
var_dump(dbsync_send(['SET', $k, $binary]));
var_dump(dbsync_send(['GET', $k]) === $binary);
var_dump(raw_command(test_env('REDIS1'), ['GET', $k]) === $binary);
var_dump(dbsync_send(['STRLEN', $k]));

// Keys are ignored, order is kept; ints and floats become their PHP strings.
var_dump(dbsync_send(['x' => 'SET', 'y' => $k, 7 => 42]));
var_dump(dbsync_send(['INCRBYFLOAT', $k, 0.5]));
var_dump(dbsync_send(['SET', $k, -1.25e-7]), dbsync_send(['GET', $k]));
$ref = 'GET';
$arr = [&$ref, $k];
var_dump(dbsync_send($arr));

// 1 MiB, both directions.
$big = str_repeat(random_bytes(1024), 1024);
var_dump(strlen($big));
var_dump(dbsync_send(['SET', $k, $big]));
var_dump(dbsync_send(['GET', $k]) === $big);
var_dump(raw_command(test_env('REDIS1'), ['STRLEN', $k]));
// An empty argument is an argument.
var_dump(dbsync_send(['SET', $k, '']), dbsync_send(['GET', $k]));
dbsync_send(['DEL', $k]);
?>
--EXPECT--
string(2) "OK"
bool(true)
bool(true)
string(3) "267"
string(2) "OK"
string(4) "42.5"
string(2) "OK"
string(8) "-1.25E-7"
string(8) "-1.25E-7"
int(1048576)
string(2) "OK"
bool(true)
int(1048576)
string(2) "OK"
string(0) ""
