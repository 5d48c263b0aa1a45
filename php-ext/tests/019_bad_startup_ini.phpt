--TEST--
dbsync: invalid settings from php.ini are reported by each call, never replaced by defaults
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
dbsync.servers=not-an-address
dbsync.ack=sometimes
--FILE--
<?php
var_dump(ini_get('dbsync.servers'));
var_dump(dbsync_send('PING'));
ini_set('dbsync.servers', '127.0.0.1:1');
var_dump(dbsync_send('PING'));
var_dump(dbsync_last_status());
?>
--EXPECTF--
string(14) "not-an-address"

Warning: dbsync_send(): dbsync.servers: invalid server address 'not-an-address': expected host:port in %s on line %d
bool(false)

Warning: dbsync_send(): dbsync.ack must be one, quorum or all, not 'sometimes' in %s on line %d
bool(false)
array(0) {
}
