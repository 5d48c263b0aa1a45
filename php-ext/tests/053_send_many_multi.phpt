--TEST--
dbsync_send_many(): MULTI ... EXEC inside the list runs as one transaction on every database through dbsyncd
--SKIPIF--
<?php $needs = ['DBSYNCD1', 'REDIS1', 'REDIS2']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$d1 = test_env('DBSYNCD1');
$dbs = [test_env('REDIS1'), test_env('REDIS2')];
$k = test_key('multi');
ini_set('dbsync.servers', $d1);
ini_set('dbsync.ack', 'all');

echo json_encode(dbsync_send_many([
    ['SET', "$k:before", '1'],
    'MULTI',
    ['SET', "$k:a", "x\0y"],
    ['INCR', "$k:n"],
    ['INCR', "$k:n"],
    ['LPUSH', "$k:a", 'wrongtype'],
    'EXEC',
    ['GET', "$k:n"],
])), "\n";
echo strtr(dbsync_last_error() ?? 'no error', [$d1 => 'D1']), "\n";

// A command the daemon rejects at queue time aborts the whole transaction.
echo json_encode(@dbsync_send_many(['MULTI', ['INCR', "$k:n"], ['NOSUCHCOMMAND'], 'EXEC', ['GET', "$k:n"]])), "\n";
echo preg_replace('/ERR .*/', 'ERR ...', strtr(dbsync_last_error(), [$d1 => 'D1'])), "\n";

// DISCARD, then two transactions back to back in one pipeline.
echo json_encode(dbsync_send_many(['MULTI', ['INCR', "$k:n"], 'DISCARD', 'MULTI', ['INCR', "$k:n"], 'EXEC',
                                   'MULTI', ['INCRBY', "$k:n", 10], 'EXEC'])), "\n";
foreach ($dbs as $db) var_dump(raw_command($db, ['GET', "$k:n"]), raw_command($db, ['GET', "$k:a"]) === "x\0y");
dbsync_send(['DEL', "$k:before", "$k:a", "$k:n"]);
?>
--EXPECT--
["OK","OK","QUEUED","QUEUED","QUEUED","QUEUED",["OK","1","2",false],"2"]
no error
["OK","QUEUED",false,false,"2"]
2 of 5 commands failed; the first, #2: D1: ERR ...
["OK","QUEUED","OK","OK","QUEUED",["3"],"OK","QUEUED",["13"]]
string(2) "13"
bool(true)
string(2) "13"
bool(true)
