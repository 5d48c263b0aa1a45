--TEST--
dbsync.persistent=1 keeps connections across requests of one worker (PHP's built-in web server)
--SKIPIF--
<?php $needs = ['REDIS1', 'EXT']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';

/* Starts `php -S` (one process serving requests one after another) with the
 * extension and the given settings, fetches $n pages, returns their bodies. */
function serve_requests(array $ini, int $n): array {
    $docroot = sys_get_temp_dir() . '/dbsync-phpt-' . getmypid() . '-' . bin2hex(random_bytes(3));
    mkdir($docroot);
    file_put_contents("$docroot/index.php", '<?php echo dbsync_send("CLIENT ID"), " ", var_export(dbsync_last_error(), true);');
    $probe = stream_socket_server('tcp://127.0.0.1:0');
    $addr = stream_socket_get_name($probe, false);
    fclose($probe);
    $php = getenv('DBSYNC_TEST_PHP') ?: PHP_BINARY;
    $cmd = [$php, '-n', '-d', 'extension=' . test_env('EXT')];
    foreach ($ini as $k => $v) { $cmd[] = '-d'; $cmd[] = "$k=$v"; }
    array_push($cmd, '-S', $addr, '-t', $docroot);
    $proc = proc_open($cmd, [0 => ['pipe', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
    $bodies = [];
    try {
        if (!eventually(fn() => @stream_socket_client("tcp://$addr", $e, $s, 1) !== false, 10)) {
            throw new RuntimeException('php -S did not start');
        }
        for ($i = 0; $i < $n; $i++) {
            $bodies[] = file_get_contents("http://$addr/index.php");
        }
    } finally {
        proc_terminate($proc);
        proc_close($proc);
        unlink("$docroot/index.php");
        rmdir($docroot);
    }
    return $bodies;
}

$r1 = test_env('REDIS1');
$p = serve_requests(['dbsync.servers' => $r1, 'dbsync.persistent' => 1], 4);
echo "persistent=1: ", count(array_unique($p)), " distinct connection(s) over ", count($p), " requests\n";
var_dump((bool)preg_match('/^\d+ NULL$/', $p[0]));

$q = serve_requests(['dbsync.servers' => $r1, 'dbsync.persistent' => 0], 4);
echo "persistent=0: ", count(array_unique($q)), " distinct connection(s) over ", count($q), " requests\n";
var_dump((bool)preg_match('/^\d+ NULL$/', $q[0]));
?>
--EXPECT--
persistent=1: 1 distinct connection(s) over 4 requests
bool(true)
persistent=0: 4 distinct connection(s) over 4 requests
bool(true)
