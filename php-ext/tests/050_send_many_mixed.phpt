--TEST--
dbsync_send_many(): one reply per command in order, false for the ones that failed, the first failure named by its index
--SKIPIF--
<?php $needs = ['REDIS1', 'REFUSED']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
ini_set('dbsync.servers', $r1);
$k = test_key('many');

// Strings and argument arrays mixed; replies converted as dbsync_send() does.
$bin = "a\0b\r\n\xff";
$res = @dbsync_send_many([
    "SET $k:s hello",
    ['SET', "$k:b", $bin],
    ['RPUSH', "$k:l", 'x', 'y'],
    "LPUSH $k:s nope",
    ['GET', "$k:b"],
    "GET $k:missing",
    "LRANGE $k:l 0 -1",
    'NOSUCHCOMMAND',
    ['INCRBY', "$k:n", 5],
]);
var_dump(array_keys($res) === range(0, 8));
var_dump($res[0], $res[1], $res[2], $res[3], $res[4] === $bin, $res[5], $res[6], $res[7], $res[8]);
echo str_replace($r1, 'R1', dbsync_last_error()), "\n";
$st = dbsync_last_status();
echo count($st), ' ', $st[0]['server'] === $r1 ? 'r1' : '?', ' ', var_export($st[0]['ok'], true), ' ',
    $st[0]['error'], "\n";
// What reached Redis, each command once.
var_dump(raw_command($r1, ['GET', "$k:b"]) === $bin, raw_command($r1, ['GET', "$k:n"]));

// All succeeded: no error left behind; a failed call before is forgotten.
var_dump(dbsync_send_many(["DEL $k:s $k:b $k:l $k:n"]), dbsync_last_error(), dbsync_last_status()[0]['ok']);

// Every server refused the connection: nothing was sent, the whole call is false.
var_dump(@dbsync_send_many(['PING', 'PING'], test_env('REFUSED')));
echo str_replace(test_env('REFUSED'), 'REFUSED', dbsync_last_error()), "\n";

// Bad input throws as dbsync_send() does, naming the element; nothing is sent.
$cases = [[[]], [['PING', '']], [['PING', []]], [['PING', 42]], [['PING', ['SET', 'k', true]]],
          [['PING', 'SET k "x']], [['PING'], 'no-port']];
foreach ($cases as $args) {
    try {
        var_dump(dbsync_send_many(...$args));
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}
?>
--EXPECTF--
bool(true)
string(2) "OK"
string(2) "OK"
string(1) "2"
bool(false)
bool(true)
NULL
array(2) {
  [0]=>
  string(1) "x"
  [1]=>
  string(1) "y"
}
bool(false)
string(1) "5"
2 of 9 commands failed; the first, #3: R1: WRONGTYPE Operation against a key holding the wrong kind of value
1 r1 false command #3: WRONGTYPE Operation against a key holding the wrong kind of value
bool(true)
string(1) "5"
array(1) {
  [0]=>
  string(1) "4"
}
NULL
bool(true)
bool(false)
nothing sent: REFUSED: connect: Connection refused
ValueError: dbsync_send_many(): Argument #1 ($commands) must not be an empty array
ValueError: dbsync_send_many(): Argument #1 ($commands) element 1 must not be an empty command
ValueError: dbsync_send_many(): Argument #1 ($commands) element 1 must not be an empty array
TypeError: dbsync_send_many(): Argument #1 ($commands) element 1 must be a string or an array, int given
TypeError: dbsync_send_many(): Argument #1 ($commands) element 1 must contain only strings, ints and floats, bool given
ValueError: dbsync_send_many(): Argument #1 ($commands) element 1 is not a valid command: unbalanced double quotes
ValueError: dbsync_send_many(): Argument #2 ($servers) is not a valid server list: %s
