--TEST--
dbsync.server_pubkey (a PEM file or fingerprints): the server's certificate must carry that key, else nothing is sent
--SKIPIF--
<?php $needs = ['TLS', 'TLS_OWNKEY', 'REDIS1', 'EXT', 'KEY_EC', 'KEY_FOREIGN', 'SERVER_PUB']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
$k = test_key('server-pubkey');
$ini = ['dbsync.signkey' => test_env('KEY_EC'), 'dbsync.server_pubkey' => test_env('SERVER_PUB')];
$code = 'var_dump(dbsync_send(["SET", ' . var_export($k, true) . ', "v"]));';
// The daemon serving --tls-cert with that key: accepted.
echo php_child($ini + ['dbsync.servers' => test_env('TLS')], $code), "\n";
var_dump(raw_command($r1, ['GET', $k]));
raw_command($r1, ['DEL', $k]);
// A daemon with another key (its own, in its --state-dir): refused by the client before sending.
echo php_child($ini + ['dbsync.servers' => test_env('TLS_OWNKEY')], $code), "\n";
var_dump(raw_command($r1, ['EXISTS', $k]));
// Only with dbsync.server_verify=0 and no server_pubkey is any server accepted
// (then only the client is authenticated).
echo php_child(['dbsync.signkey' => test_env('KEY_EC'), 'dbsync.server_verify' => 0,
                'dbsync.servers' => test_env('TLS_OWNKEY')], $code), "\n";
var_dump(raw_command($r1, ['GET', $k]));
raw_command($r1, ['DEL', $k]);
// server_verify=0 does not undo a pin that is set.
echo php_child($ini + ['dbsync.server_verify' => 0, 'dbsync.servers' => test_env('TLS_OWNKEY')], $code), "\n";
var_dump(raw_command($r1, ['EXISTS', $k]));
// A fingerprint list: either key will do.
$fingerprint = fn(string $pem) => 'sha256:' . hash('sha256', base64_decode(preg_replace('/-----[^-]+-----|\s/', '', file_get_contents($pem))));
echo php_child(['dbsync.signkey' => test_env('KEY_EC'),
                'dbsync.server_pubkey' => $fingerprint(preg_replace('/\.pem$/', '.pub', test_env('KEY_FOREIGN'))) . ', ' . $fingerprint(test_env('SERVER_PUB')),
                'dbsync.servers' => test_env('TLS')], $code), "\n";
var_dump(raw_command($r1, ['GET', $k]));
raw_command($r1, ['DEL', $k]);
?>
--EXPECTF--
string(2) "OK"
string(1) "v"
Warning: dbsync_send(): 127.0.0.1:%d: TLS handshake failed: server key ECDSA P-256 sha256:%x is not a trusted key (dbsync.server_pubkey names another key) in Command line code on line 1
bool(false)
int(0)
string(2) "OK"
string(1) "v"
Warning: dbsync_send(): 127.0.0.1:%d: TLS handshake failed: server key ECDSA P-256 sha256:%x is not a trusted key (dbsync.server_pubkey names another key) in Command line code on line 1
bool(false)
int(0)
string(2) "OK"
string(1) "v"
