--TEST--
dbsync_send(): a reused connection found closed is reconnected transparently
--SKIPIF--
<?php $needs = ['REDIS1', 'ONESHOT']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
ini_set('dbsync.servers', $r1);

// The server kills our idle connection between two calls.
$id = dbsync_send('CLIENT ID');
preg_match('/ addr=[^ ]*:(\d+) /', raw_command($r1, ['CLIENT', 'LIST', 'ID', $id]), $m);
var_dump(raw_command($r1, ["CLIENT", "KILL", "ID", $id]));
var_dump(client_gone($r1, $id), fin_arrived($r1, (int)$m[1]));
$id2 = dbsync_send('CLIENT ID');
var_dump($id2 !== $id && $id2 !== false, dbsync_last_error());

// A peer that answers one command per connection and then hangs up: every
// call finds the old connection closed and uses a new one, and each command
// is received exactly once.
$peer = test_env('ONESHOT');
ini_set('dbsync.servers', $peer);
for ($i = 0; $i < 3; $i++) {
    var_dump(dbsync_send(['SET', 'k', $i]));
    // The peer hangs up after its reply; the next call must find that out.
    var_dump(fin_arrived($peer));
}
$log = peer_log('oneshot');
echo "connections: {$log['conn']}, commands: {$log['cmd']}\n";
?>
--EXPECT--
int(1)
bool(true)
bool(true)
bool(true)
NULL
string(2) "OK"
bool(true)
string(2) "OK"
bool(true)
string(2) "OK"
bool(true)
connections: 3, commands: 3
