--TEST--
dbsync_send_many(): a server that dies mid-pipeline fails only the commands it did not answer, and nothing is sent twice
--SKIPIF--
<?php $needs = ['REDIS1', 'EATER', 'ONESHOT', 'UNASKED']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
$eater = test_env('EATER'); $oneshot = test_env('ONESHOT'); $unasked = test_env('UNASKED');
$k = test_key('dies');
function show(array|false $res, array $names): void {
    echo json_encode($res), ' | ', strtr(dbsync_last_error() ?? 'no error', $names), "\n";
}
$names = [$r1 => 'R1', $eater => 'EATER', $oneshot => 'ONESHOT', $unasked => 'UNASKED'];
// Other tests use the same peers: count what this one adds to their logs.
$base = ['eater' => peer_log('eater'), 'oneshot' => peer_log('oneshot')];
function seen(string $mode): array {
    global $base;
    $now = peer_log($mode);
    return ['conn' => $now['conn'] - $base[$mode]['conn'], 'cmd' => $now['cmd'] - $base[$mode]['cmd']];
}

// oneshot answers the first command and hangs up; eater answers the first,
// reads the second and hangs up without a word.
show(@dbsync_send_many(['PING', 'PING', 'PING'], $oneshot), $names);
show(@dbsync_send_many(['PING', 'PING', 'PING'], $eater), $names);
$st = dbsync_last_status()[0];
var_dump($st['ok'], $st['pending'], strtr($st['error'], $names));
// Each peer saw one connection and only the commands it read, once.
var_dump(eventually(fn() => seen('eater') === ['conn' => 1, 'cmd' => 2]));
var_dump(seen('oneshot'));

// With a healthy server next to it the ack policy decides, per command.
ini_set('dbsync.ack', 'all');
show(@dbsync_send_many([['SET', "$k:1", 'a'], ['SET', "$k:2", 'b'], ['SET', "$k:3", 'c']], "$r1,$eater"), $names);
ini_set('dbsync.ack', 'one');
show(@dbsync_send_many([['SET', "$k:1", 'd'], ['SET', "$k:2", 'e'], ['SET', "$k:3", 'f']], "$eater,$r1"), $names);
var_dump(dbsync_send_many([['GET', "$k:1"], ['GET', "$k:2"], ['GET', "$k:3"]], $r1));
// The call returned on R1's replies; eater gets its third connection all the same.
var_dump(eventually(fn() => seen('eater') === ['conn' => 3, 'cmd' => 6]));

// A reply nobody asked for after the last one: which reply answers which
// command cannot be told, so none of that server's replies is used.
show(@dbsync_send_many([['ECHO', 'a'], ['ECHO', 'b'], ['TWICE', 'c']], $unasked), $names);
show(dbsync_send_many([['ECHO', 'd'], ['ECHO', 'e']], $unasked), $names);
dbsync_send(['DEL', "$k:1", "$k:2", "$k:3"], $r1);
?>
--EXPECT--
["OK",false,false] | 2 of 3 commands failed; the first, #1: ONESHOT: connection closed by server (the commands not answered may have reached the server; not resent)
["OK",false,false] | 2 of 3 commands failed; the first, #1: EATER: connection closed by server (the commands not answered may have reached the server; not resent)
bool(false)
bool(false)
string(107) "command #1: connection closed by server (the commands not answered may have reached the server; not resent)"
bool(true)
array(2) {
  ["conn"]=>
  int(1)
  ["cmd"]=>
  int(1)
}
["OK",false,false] | 2 of 3 commands failed; the first, #1: ack=all needs 2 of 2 servers, 1 succeeded, 1 failed: EATER: connection closed by server (the commands not answered may have reached the server; not resent)
["OK","OK","OK"] | no error
array(3) {
  [0]=>
  string(1) "d"
  [1]=>
  string(1) "e"
  [2]=>
  string(1) "f"
}
bool(true)
[false,false,false] | 3 of 3 commands failed; the first, #0: UNASKED: server sent a reply that was not asked for; connection closed
["d","e"] | no error
