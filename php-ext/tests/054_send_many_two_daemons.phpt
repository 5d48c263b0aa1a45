--TEST--
dbsync_send_many() through two dbsyncd: dbsync.ack one and all apply to each command of the pipeline
--SKIPIF--
<?php $needs = ['DBSYNCD1', 'DBSYNCD2', 'REDIS1', 'REDIS2', 'REDIS3', 'REFUSED']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
// run.sh: dbsyncd 1 fans out to redis 1 and 2, dbsyncd 2 to redis 3.
$d1 = test_env('DBSYNCD1'); $d2 = test_env('DBSYNCD2'); $bad = test_env('REFUSED');
$dbs = [test_env('REDIS1'), test_env('REDIS2'), test_env('REDIS3')];
$names = [$d1 => 'D1', $d2 => 'D2', $bad => 'REFUSED'];
$k = test_key('twod');
// Behind dbsyncd 2's back its database already holds $k:t as a string, so
// LPUSH fails there and succeeds through dbsyncd 1.
raw_command($dbs[2], ['SET', "$k:t", 'string']);
$cmds = [['SET', "$k:a", "1\0"], ['LPUSH', "$k:t", 'x'], ['INCR', "$k:n"]];

foreach (['one', 'all'] as $ack) {
    ini_set('dbsync.ack', $ack);
    echo "ack=$ack: ", json_encode(@dbsync_send_many($cmds, "$d1,$d2")), "\n";
    echo '  ', strtr(dbsync_last_error() ?? 'no error', $names), "\n";
    $st = dbsync_last_status();
    // With ack=one the call may return before dbsyncd 2 has answered.
    foreach ($st as $s) {
        if ($ack === 'all' || $s['server'] === $d1)
            echo '  ', $names[$s['server']], ': ', $s['ok'] ? 'ok' : strtr($s['error'], $names), "\n";
    }
}
// Each database applied each write once per call: two INCRs everywhere.
var_dump(eventually(function () use ($dbs, $k) {
    foreach ($dbs as $db) if (raw_command($db, ['GET', "$k:n"]) !== '2' || raw_command($db, ['GET', "$k:a"]) !== "1\0") return false;
    return true;
}));

// A daemon that is not there: ack=one carries on, ack=all fails every command.
foreach (['one', 'all'] as $ack) {
    ini_set('dbsync.ack', $ack);
    echo "ack=$ack, one down: ", json_encode(@dbsync_send_many([['INCR', "$k:n"], ['GET', "$k:a"]], "$d1,$bad")), "\n";
    // ack=all cannot be met once the refusal is in: the call returns at once,
    // whether or not dbsyncd 1 has answered yet.
    echo '  ', preg_replace('/servers, .*(REFUSED: connect: ).*/', 'servers, ...: $1...',
                            strtr(dbsync_last_error() ?? 'no error', $names)), "\n";
}
dbsync_send(['DEL', "$k:a", "$k:t", "$k:n"], "$d1,$d2");
?>
--EXPECT--
ack=one: ["OK","1","1"]
  no error
  D1: ok
ack=all: ["OK",false,"2"]
  1 of 3 commands failed; the first, #1: ack=all needs 2 of 2 servers, 1 succeeded, 1 failed: D2: WRONGTYPE Operation against a key holding the wrong kind of value
  D1: ok
  D2: command #1: WRONGTYPE Operation against a key holding the wrong kind of value
bool(true)
ack=one, one down: ["3","1\u0000"]
  no error
ack=all, one down: [false,false]
  2 of 2 commands failed; the first, #0: ack=all needs 2 of 2 servers, ...: REFUSED: connect: ...
