--TEST--
dbsync.servers address forms (unix:, [ipv6]:port, hostname) and ini validation
--SKIPIF--
<?php $needs = ['REDIS1', 'REDIS1_UNIX']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
$port = explode(':', $r1)[1];

var_dump(dbsync_send('PING', test_env('REDIS1_UNIX')));
var_dump(dbsync_send('PING', "localhost:$port"));
$v6 = test_env('REDIS1_V6');
var_dump($v6 === '' ? 'PONG' : dbsync_send('PING', $v6));  // skipped when ::1 is unavailable

// ini_set() rejects what cannot work and keeps the old value.
ini_set('dbsync.servers', $r1);
var_dump(ini_set('dbsync.servers', 'nonsense'), ini_get('dbsync.servers') === $r1);
var_dump(ini_set('dbsync.servers', ''), ini_get('dbsync.servers') === $r1);
var_dump(ini_set('dbsync.timeout', '0'), ini_set('dbsync.timeout', '-5'), ini_set('dbsync.timeout', 'abc'), ini_get('dbsync.timeout'));
var_dump(ini_set('dbsync.timeout', '250'), ini_get('dbsync.timeout'));
var_dump(ini_set('dbsync.keepalive', 'off'), ini_get('dbsync.keepalive'));
var_dump(dbsync_send('PING'));
?>
--EXPECT--
string(4) "PONG"
string(4) "PONG"
string(4) "PONG"
bool(false)
bool(true)
bool(false)
bool(true)
bool(false)
bool(false)
bool(false)
string(4) "3000"
string(4) "3000"
string(3) "250"
string(1) "1"
string(3) "off"
string(4) "PONG"
