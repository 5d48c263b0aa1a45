--TEST--
dbsync.signkey set: nothing is ever sent in plain text (authentication not available yet)
--SKIPIF--
<?php $needs = ['REDIS1']; require __DIR__ . '/skipif.inc'; ?>
--INI--
dbsync.signkey=/nonexistent/private.pem
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
$k = test_key('signkey');
$before = raw_command($r1, ['INFO', 'stats']);
var_dump(dbsync_send(['SET', $k, 'plain'], $r1));
var_dump(raw_command($r1, ['EXISTS', $k]));
var_dump(ini_set('dbsync.signkey', ''));  // not changeable at run time
?>
--EXPECTF--
Warning: dbsync_send(): 127.0.0.1:%d: dbsync.signkey is set but this build has no TLS support yet; refusing to send in plain text in %s on line %d
bool(false)
int(0)
bool(false)
