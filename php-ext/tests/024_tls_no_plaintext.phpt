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
$chunksBefore = count(counter_chunks());
$closedBefore = peer_log('counter')['closed'] ?? 0;
echo php_child($ini + ['dbsync.servers' => test_env('COUNTER')], "var_dump(dbsync_send($args));"), "\n";
// The child has exited: once the peer has seen the connection close, it has
// logged everything that was sent on it.
var_dump(eventually(fn() => (peer_log('counter')['closed'] ?? 0) > $closedBefore));
$seen = hex2bin(implode('', array_slice(counter_chunks(), $chunksBefore)));
// Exactly one TLS record, and it is a handshake record (type 22) holding a
// ClientHello (handshake type 1): nothing else was sent.
$record = unpack('Ctype/nversion/nlength/Chandshake', $seen);
var_dump($record['type'], $record['handshake'], strlen($seen) === 5 + $record['length']);
var_dump(str_contains($seen, $secret), str_contains($seen, 'SET'));
// A plain redis-server: the call fails and the key is not there.
echo php_child($ini + ['dbsync.servers' => $r1], "var_dump(dbsync_send($args));"), "\n";
var_dump(raw_command($r1, ['EXISTS', $k]));
?>
--EXPECTF--
Warning: dbsync_send(): 127.0.0.1:%d: TLS handshake not completed within 300 ms in Command line code on line 1
bool(false)
bool(true)
int(22)
int(1)
bool(true)
bool(false)
bool(false)
Warning: dbsync_send(): 127.0.0.1:%d: %s in Command line code on line 1
bool(false)
int(0)
