--TEST--
With a signkey, a server that does not speak TLS never sees the command: only a TLS ClientHello
--SKIPIF--
<?php $needs = ['COUNTER', 'REDIS1', 'KEY_EC', 'EXT', 'SERVER_PUB']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
$k = test_key('no-plaintext');
$secret = 'secret-' . bin2hex(random_bytes(8));
$args = var_export(['SET', $k, $secret], true);
$ini = ['dbsync.signkey' => test_env('KEY_EC'), 'dbsync.server_pubkey' => test_env('SERVER_PUB'), 'dbsync.timeout' => 300];
$t = microtime(true);
echo php_child($ini + ['dbsync.servers' => test_env('COUNTER')], "var_dump(dbsync_send($args));"), "\n";
var_dump(microtime(true) - $t < 3);
usleep(100000);
$seen = implode('', counter_chunks());
var_dump(peer_log('counter')['conn'] >= 1, substr($seen, 0, 4));  // 0x16 0x03: a TLS handshake record
var_dump(str_contains(hex2bin($seen), $secret), str_contains(hex2bin($seen), 'SET'));
// A plain redis-server: the call fails and the key is not there.
echo php_child($ini + ['dbsync.servers' => $r1], "var_dump(dbsync_send($args));"), "\n";
var_dump(raw_command($r1, ['EXISTS', $k]));
?>
--EXPECTF--
Warning: dbsync_send(): 127.0.0.1:%d: TLS handshake not completed within 300 ms in Command line code on line 1
bool(false)
bool(true)
bool(true)
string(4) "1603"
bool(false)
bool(false)
Warning: dbsync_send(): 127.0.0.1:%d: %s in Command line code on line 1
bool(false)
int(0)
