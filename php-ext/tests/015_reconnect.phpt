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
var_dump(raw_command($r1, ["CLIENT", "KILL", "ID", $id]));
var_dump(client_gone($r1, $id));
$id2 = dbsync_send('CLIENT ID');
var_dump($id2 !== $id && $id2 !== false, dbsync_last_error());

// A peer that answers one command per connection and then hangs up: every
// call finds the old connection closed and uses a new one, and each command
// is received exactly once.
$peer = test_env('ONESHOT');
ini_set('dbsync.servers', $peer);
for ($i = 0; $i < 3; $i++) {
    var_dump(dbsync_send(['SET', 'k', $i]));
    // Let the FIN arrive before the next call looks at the connection.
    eventually(fn() => peer_log('oneshot')['cmd'] > $i, 3);
    usleep(50000);
}
$log = peer_log('oneshot');
echo "connections: {$log['conn']}, commands: {$log['cmd']}\n";
?>
--EXPECT--
int(1)
bool(true)
bool(true)
NULL
string(2) "OK"
string(2) "OK"
string(2) "OK"
connections: 3, commands: 3
