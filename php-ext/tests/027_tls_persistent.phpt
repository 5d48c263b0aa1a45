--TEST--
dbsync.persistent=1 with dbsync.signkey: one TLS session serves every request of a worker
--SKIPIF--
<?php $needs = ['TLS', 'EXT', 'KEY_ED25519', 'SERVER_PUB']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';

/* php -S (one process serving requests one after another) with these settings. */
function serve_requests(array $ini, int $n): array {
    $docroot = sys_get_temp_dir() . '/dbsync-phpt-' . getmypid() . '-' . bin2hex(random_bytes(3));
    mkdir($docroot);
    file_put_contents("$docroot/index.php",
        '<?php $i = dbsync_send("DBSYNC INFO"); preg_match("/^tls_handshakes_accepted:(\d+)/m", (string)$i, $m);'
        . ' echo $m[1] ?? var_export(dbsync_last_error(), true);');
    $probe = stream_socket_server('tcp://127.0.0.1:0');
    $addr = stream_socket_get_name($probe, false);
    fclose($probe);
    $cmd = [getenv('DBSYNC_TEST_PHP') ?: PHP_BINARY, '-n', '-d', 'extension=' . test_env('EXT')];
    foreach ($ini as $k => $v) { $cmd[] = '-d'; $cmd[] = "$k=$v"; }
    array_push($cmd, '-S', $addr, '-t', $docroot);
    $proc = proc_open($cmd, [0 => ['pipe', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
    $bodies = [];
    try {
        if (!eventually(fn() => @stream_socket_client("tcp://$addr", $e, $s, 1) !== false, 10)) {
            throw new RuntimeException('php -S did not start');
        }
        for ($i = 0; $i < $n; $i++) $bodies[] = file_get_contents("http://$addr/index.php");
    } finally {
        proc_terminate($proc);
        proc_close($proc);
        unlink("$docroot/index.php");
        rmdir($docroot);
    }
    return $bodies;
}

$ini = ['dbsync.servers' => test_env('TLS'), 'dbsync.signkey' => test_env('KEY_ED25519'),
        'dbsync.server_pubkey' => test_env('SERVER_PUB')];
$p = serve_requests($ini + ['dbsync.persistent' => 1], 4);
var_dump(array_map('is_numeric', $p));
echo "persistent=1: ", $p[3] - $p[0], " new handshake(s) over 3 more requests\n";
$q = serve_requests($ini + ['dbsync.persistent' => 0], 4);
echo "persistent=0: ", $q[3] - $q[0], " new handshake(s) over 3 more requests\n";
?>
--EXPECT--
array(4) {
  [0]=>
  bool(true)
  [1]=>
  bool(true)
  [2]=>
  bool(true)
  [3]=>
  bool(true)
}
persistent=1: 0 new handshake(s) over 3 more requests
persistent=0: 3 new handshake(s) over 3 more requests
