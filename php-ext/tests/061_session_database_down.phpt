--TEST--
session.save_handler=dbsync with a database down: ack=one keeps sessions working, ack=all fails session_start() with the reason
--SKIPIF--
<?php $needs = ['REDIS1', 'REFUSED', 'DBSYNCD1', 'REDIS2']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1'); $bad = test_env('REFUSED');
$prefix = 'dbsync-test:sessdown:' . getmypid() . ':';
$ini = ['session.save_handler' => 'dbsync', 'session.save_path' => "$r1,$bad", 'session.use_cookies' => '0',
        'session.use_strict_mode' => '1', 'session.cache_limiter' => '', 'dbsync.ack' => 'one',
        'dbsync.session_prefix' => $prefix];
function step(array $ini, string $body, string ...$args): string {
    return php_child($ini, "<?php\n\$argv = " . var_export($args, true) . ";\n$body");
}

$id = step($ini, 'session_start(); $_SESSION["n"] = 1; echo session_id();');
var_dump(raw_command($r1, ['GET', $prefix . $id]));
echo step($ini, 'session_id($argv[0]); session_start(); echo session_id() === $argv[0] ? "same id " : "NEW ID ", $_SESSION["n"]++;', $id), "\n";
echo step($ini, 'session_id($argv[0]); session_start(); $ok = session_regenerate_id(true); echo $_SESSION["n"], " ", $ok ? "regenerated" : "NOT REGENERATED", session_id() !== $argv[0] ? "" : " SAME ID";', $id), "\n";
var_dump(raw_command($r1, ['EXISTS', $prefix . $id]));

// ack=all cannot be met: the session cannot be read, and the reason says why
// (strict mode asks first whether the id exists; that fails the same way).
$out = step(['dbsync.ack' => 'all'] + $ini, 'session_id($argv[0]); var_dump(session_start());', $id);
echo str_replace([$r1, $bad], ['R1', 'REFUSED'], $out), "\n";

// Through dbsyncd, whose own databases are both up, as in production.
$ini['session.save_path'] = test_env('DBSYNCD1');
$id = step(['dbsync.ack' => 'all'] + $ini, 'session_start(); $_SESSION["via"] = "dbsyncd"; echo session_id();');
var_dump(raw_command(test_env('REDIS2'), ['GET', $prefix . $id]));
echo step($ini, 'session_id($argv[0]); session_start(); echo $_SESSION["via"]; session_destroy();', $id), "\n";
var_dump(eventually(fn() => raw_command(test_env('REDIS2'), ['EXISTS', $prefix . $id]) === 0));
?>
--EXPECTF--
string(6) "n|i:1;"
same id 1
2 regenerated
int(0)
Warning: session_start(): dbsync session: %s failed: ack=all needs 2 of 2 servers, %s REFUSED: connect: Connection refused in %s on line %d
%Abool(false)
string(18) "via|s:7:"dbsyncd";"
dbsyncd
bool(true)
