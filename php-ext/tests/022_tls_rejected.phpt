--TEST--
A key the daemon does not trust: the call fails naming the server, nothing reaches Redis
--SKIPIF--
<?php $needs = ['TLS', 'TLS_OWNKEY', 'TLS_OWNKEY_PUB', 'REDIS1', 'EXT', 'KEY_FOREIGN', 'KEY_RSA', 'SERVER_PUB']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$tls = test_env('TLS');
$r1 = test_env('REDIS1');
$k = test_key('tls-rejected');
$code = 'var_dump(dbsync_send(["SET", ' . var_export($k, true) . ', "x"])); var_dump(dbsync_last_status()[0]["error"]);'
      . 'var_dump(dbsync_send(["SET", ' . var_export($k, true) . ', "y"]));';
// A valid key nobody trusts (the server's key is pinned: the server, not the client, refuses).
echo php_child(['dbsync.servers' => $tls, 'dbsync.signkey' => test_env('KEY_FOREIGN'),
                'dbsync.server_pubkey' => test_env('SERVER_PUB')], $code), "\n";
// A trusted key, but not by this daemon (it trusts the EC key only).
echo php_child(['dbsync.servers' => test_env('TLS_OWNKEY'), 'dbsync.signkey' => test_env('KEY_RSA'),
                'dbsync.server_pubkey' => test_env('TLS_OWNKEY_PUB')], $code), "\n";
// No key at all against a TLS-only port: the daemon explains, nothing is applied.
echo php_child(['dbsync.servers' => $tls], $code), "\n";
var_dump(raw_command($r1, ['EXISTS', $k]));
?>
--EXPECTF--
Warning: dbsync_send(): %s:%d: TLS handshake rejected: the server refused this client's key ECDSA P-256 sha256:%x (%s); its public key must be one of the server's trusted keys (dbsyncd --pubkey) in Command line code on line 1
bool(false)
string(%d) "TLS handshake rejected: %s"
Warning: dbsync_send(): %s:%d: TLS handshake rejected: %s in Command line code on line 1
bool(false)
Warning: dbsync_send(): %s:%d: TLS handshake rejected: the server refused this client's key RSA 2048 bits sha256:%x (%s); its public key must be one of the server's trusted keys (dbsyncd --pubkey) in Command line code on line 1
bool(false)
string(%d) "TLS handshake rejected: %s"
Warning: dbsync_send(): %s:%d: TLS handshake rejected: %s in Command line code on line 1
bool(false)
Warning: dbsync_send(): %s:%d: ERR this dbsyncd port requires TLS 1.3 with a trusted client certificate %s in Command line code on line 1
bool(false)
string(%d) "ERR this dbsyncd port requires TLS 1.3 %s"
Warning: dbsync_send(): %s:%d: %s in Command line code on line 1
bool(false)
int(0)
