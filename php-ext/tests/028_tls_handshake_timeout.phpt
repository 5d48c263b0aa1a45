--TEST--
dbsync.timeout bounds the TLS handshake; the other servers still answer (ack=one)
--SKIPIF--
<?php $needs = ['TLS', 'SILENT', 'EXT', 'KEY_RSA', 'SERVER_PUB']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$script = '<?php require ' . var_export(__DIR__ . '/common.inc', true) . ';' . <<<'PHP'
$silent = test_env('SILENT'); $tls = test_env('TLS');
$t = microtime(true);
var_dump(dbsync_send('PING', $silent));
$ms = (microtime(true) - $t) * 1000;
echo $ms >= 250 && $ms < 1500 ? "timed out after ~300 ms\n" : "took $ms ms\n";
// ack=one: the TLS daemon answers, the silent peer does not hold the call.
$t = microtime(true);
var_dump(dbsync_send('PING', "$silent,$tls"));
echo (microtime(true) - $t) * 1000 < 250 ? "fast\n" : "slow\n";
var_dump(array_column(dbsync_last_status(), 'pending'));
PHP;
echo php_child(['dbsync.signkey' => test_env('KEY_RSA'), 'dbsync.server_pubkey' => test_env('SERVER_PUB'),
                'dbsync.timeout' => 300], $script), "\n";
?>
--EXPECTF--
Warning: dbsync_send(): 127.0.0.1:%d: TLS handshake not completed within 300 ms in %s on line %d
bool(false)
timed out after ~300 ms
string(4) "PONG"
fast
array(2) {
  [0]=>
  bool(true)
  [1]=>
  bool(false)
}
