--TEST--
dbsync_send(): a reply nobody asked for fails the call and closes the connection; it never answers a later call
--SKIPIF--
<?php $needs = ['UNASKED', 'REDIS1']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$peer = test_env('UNASKED');
ini_set('dbsync.servers', $peer);
ini_set('dbsync.timeout', '5000');
$conns = fn() => peer_log('unasked')['conn'];
$before = $conns();
function last_error(string $peer): ?string {
    $e = dbsync_last_error();
    return $e === null ? null : str_replace($peer, 'PEER', $e);
}

var_dump(dbsync_send(['ECHO', 'a']));

// Two replies to one command, in one TCP segment.
var_dump(@dbsync_send(['TWICE', 'b']));
var_dump(last_error($peer));
var_dump(dbsync_send(['ECHO', 'c']));

// SUBSCRIBE with two channels: two confirmations, in one segment.
var_dump(@dbsync_send('SUBSCRIBE ch1 ch2'));
var_dump(last_error($peer));
var_dump(dbsync_send(['ECHO', 'd']));

// A second reply that arrives after the call returned, in a later segment:
// the next call notices it before sending and takes a new connection.
var_dump(dbsync_send(['LATER', 'e']));
var_dump(raw_command($peer, ['RELEASE']));
var_dump(bytes_arrived($peer));
var_dump(dbsync_send(['ECHO', 'f']));
var_dump(dbsync_send(['ECHO', 'g']));

// The late reply of an earlier call (ack=one returned on REDIS1's answer)
// comes with the first bytes of one more: the connection is dropped before
// it carries another command, instead of reading those bytes as its reply.
var_dump(dbsync_send(['ECHO', 'held:h'], test_env('REDIS1') . ",$peer"));
var_dump(raw_command($peer, ['RELEASE']));
var_dump(bytes_arrived($peer));
var_dump(dbsync_send(['ECHO', 'i']));

// Connections: the first, one after TWICE, one after SUBSCRIBE, one after
// LATER, raw_command's own two, and one after the unfinished reply.
var_dump($conns() - $before);
?>
--EXPECT--
string(1) "a"
bool(false)
string(67) "PEER: server sent a reply that was not asked for; connection closed"
string(1) "c"
bool(false)
string(67) "PEER: server sent a reply that was not asked for; connection closed"
string(1) "d"
string(1) "e"
string(2) "OK"
bool(true)
string(1) "f"
string(1) "g"
string(6) "held:h"
string(2) "OK"
bool(true)
string(1) "i"
int(7)
