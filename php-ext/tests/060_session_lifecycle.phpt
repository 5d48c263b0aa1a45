--TEST--
session.save_handler=dbsync: a session's life (start, read back in a new process, lazy write, regenerate, destroy) on every database with one deadline; strict mode refuses unknown ids
--SKIPIF--
<?php $needs = ['REDIS1', 'REDIS2']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1'); $r2 = test_env('REDIS2');
$dbs = [$r1, $r2];
$prefix = 'dbsync-test:sess:' . getmypid() . ':';
// Each step is a separate PHP process, as separate web requests are.
$ini = ['session.save_handler' => 'dbsync', 'session.save_path' => "$r1,$r2", 'session.use_cookies' => '0',
        'session.use_strict_mode' => '1', 'session.gc_maxlifetime' => '1000', 'session.cache_limiter' => '',
        'dbsync.ack' => 'all', 'dbsync.session_prefix' => $prefix];
function step(array $ini, string $body, string ...$args): string {
    return php_child($ini, "<?php\n\$argv = " . var_export($args, true) . ";\n$body");
}
function expiry_s(string $db, string $key): int {
    $ms = raw_command($db, ['PEXPIRETIME', $key]);
    return $ms < 0 ? $ms : intdiv($ms - (int)(microtime(true) * 1000) + 500, 1000);
}

// 1. A new session: PHP makes the id, the data goes to both databases.
$id = step($ini, 'session_start(); $_SESSION["n"] = 1; $_SESSION["bin"] = "a\0b\r\n"; echo session_id();');
var_dump(preg_match("/^[0-9a-zA-Z,-]{22,}\$/", $id) === 1);
$data = raw_command($r1, ['GET', $prefix . $id]);
var_dump($data === raw_command($r2, ['GET', $prefix . $id]), $data);
// One absolute deadline for both (PXAT computed once): the same millisecond.
$t1 = raw_command($r1, ['PEXPIRETIME', $prefix . $id]);
var_dump($t1 === raw_command($r2, ['PEXPIRETIME', $prefix . $id]), abs(expiry_s($r1, $prefix . $id) - 1000) <= 5);

// 2. Read back in a new process and change it.
echo step($ini, 'session_id($argv[0]); session_start(); echo json_encode($_SESSION), " ", session_id() === $argv[0] ? "same id" : "NEW ID"; $_SESSION["n"]++;', $id), "\n";
var_dump(raw_command($r2, ['GET', $prefix . $id]));

// 3. Unchanged data (lazy_write): only the deadline moves, on both databases.
echo step(['session.gc_maxlifetime' => '2000'] + $ini, 'session_id($argv[0]); session_start(); echo $_SESSION["n"];', $id), "\n";
foreach ($dbs as $db) var_dump(abs(expiry_s($db, $prefix . $id) - 2000) <= 5);
var_dump(raw_command($r1, ['PEXPIRETIME', $prefix . $id]) === raw_command($r2, ['PEXPIRETIME', $prefix . $id]));

// 4. session_regenerate_id(true): the data moves to a new id, the old one is gone.
$before = raw_command($r1, ['GET', $prefix . $id]);
$new = step($ini, 'session_id($argv[0]); session_start(); session_regenerate_id(true); echo session_id();', $id);
var_dump($new !== $id);
foreach ($dbs as $db) var_dump(raw_command($db, ['EXISTS', $prefix . $id]), raw_command($db, ['GET', $prefix . $new]) === $before);
echo step($ini, 'session_id($argv[0]); session_start(); echo $_SESSION["n"], " ", session_id() === $argv[0] ? "same id" : "NEW ID";', $new), "\n";

// 5. Strict mode: an id nobody created is replaced, and the old one is refused too.
$forged = 'forgedsessionid0123456789abc';
echo step($ini, 'session_id($argv[0]); session_start(); echo session_id() === $argv[0] ? "accepted" : "replaced", " ", json_encode($_SESSION);', $forged), "\n";
echo step($ini, 'session_id($argv[0]); session_start(); echo session_id() === $argv[0] ? "accepted" : "replaced", " ", json_encode($_SESSION);', $id), "\n";
foreach ($dbs as $db) var_dump(raw_command($db, ['EXISTS', $prefix . $forged]));

// 6. session_destroy() removes it from both databases.
echo step($ini, 'session_id($argv[0]); session_start(); var_dump(session_destroy());', $new), "\n";
foreach ($dbs as $db) var_dump(raw_command($db, ['EXISTS', $prefix . $new]));

// 7. Without session.save_path the servers are dbsync.servers; the default prefix.
$ini2 = ['session.save_path' => '', 'dbsync.servers' => $r1] + $ini;
unset($ini2['dbsync.session_prefix']);
$id2 = step($ini2, 'session_start(); $_SESSION["x"] = "y"; echo session_id(), " ", ini_get("dbsync.session_prefix");');
[$id2, $shown] = explode(' ', $id2);
var_dump($shown, raw_command($r1, ['GET', "dbsync_session:$id2"]), raw_command($r1, ['DEL', "dbsync_session:$id2"]));

// 8. A save_path that is not a server list fails session_start() clearly.
echo step(['session.save_path' => 'nonsense'] + $ini, 'var_dump(session_start());'), "\n";
?>
--EXPECTF--
bool(true)
bool(true)
string(%d) "n|i:1;bin|s:5:"a%0b
";"
bool(true)
bool(true)
{"n":1,"bin":"a\u0000b\r\n"} same id
string(%d) "n|i:2;bin|s:5:"a%0b
";"
2
bool(true)
bool(true)
bool(true)
bool(true)
int(0)
bool(true)
int(0)
bool(true)
2 same id
replaced []
replaced []
int(0)
int(0)
bool(true)
int(0)
int(0)
string(15) "dbsync_session:"
string(10) "x|s:1:"y";"
int(1)
Warning: session_start(): dbsync session: session.save_path: %s
%A
bool(false)
