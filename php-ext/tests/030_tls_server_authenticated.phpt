--TEST--
dbsync.signkey authenticates the server too: an impostor never gets a command; the key dbsyncd logged pins the real one
--SKIPIF--
<?php $needs = ['IMPOSTOR', 'TLS_OWNKEY', 'TLS_OWNKEY_LOG', 'TLS_OWNKEY_PUB', 'REDIS1', 'EXT', 'KEY_EC']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1');
$impostor = test_env('IMPOSTOR');   // a TLS server with a key of its own, answering +OK to anything
$dbsyncd = test_env('TLS_OWNKEY');  // the real dbsyncd, with the key it keeps in --state-dir
$k = test_key('server-auth');
$set = fn(string $value) => 'var_dump(dbsync_send(["SET", ' . var_export($k, true) . ', "' . $value . '"]), dbsync_last_error());';
$signed = ['dbsync.signkey' => test_env('KEY_EC')];
$impostorSeen = function () { $l = peer_log('impostor'); return "impostor: {$l['conn']} connection(s), " . ($l['tls'] ?? 0) . " handshake(s), {$l['cmd']} command(s)\n"; };

echo "-- no dbsync.server_pubkey: nothing is sent, to anyone\n";
echo php_child($signed + ['dbsync.servers' => $impostor], $set('forged')), "\n";
echo php_child($signed + ['dbsync.servers' => $dbsyncd], $set('unchecked')), "\n";
echo $impostorSeen();
var_dump(raw_command($r1, ['EXISTS', $k]));

echo "-- pinned with the line dbsyncd logged at start\n";
preg_match('/dbsync\.server_pubkey = (sha256:[0-9a-f]{64})/', file_get_contents(test_env('TLS_OWNKEY_LOG')), $m);
$pinned = $signed + ['dbsync.server_pubkey' => $m[1]];
echo php_child($pinned + ['dbsync.servers' => $dbsyncd], $set('real')), "\n";
var_dump(raw_command($r1, ['GET', $k]));
// The impostor is refused during the handshake, before the command leaves.
echo php_child($pinned + ['dbsync.servers' => $impostor], $set('forged')), "\n";
echo $impostorSeen();

echo "-- pinned with the public key file dbsyncd wrote beside its key\n";
echo php_child($signed + ['dbsync.server_pubkey' => test_env('TLS_OWNKEY_PUB'), 'dbsync.servers' => $dbsyncd], $set('file')), "\n";
var_dump(raw_command($r1, ['GET', $k]));

echo "-- only dbsync.server_verify=0 accepts any server: then the impostor gets the command and its +OK is believed\n";
echo php_child($signed + ['dbsync.server_verify' => 0, 'dbsync.servers' => $impostor], $set('forged')), "\n";
echo $impostorSeen();
var_dump(raw_command($r1, ['GET', $k]));
raw_command($r1, ['DEL', $k]);
?>
--EXPECTF--
-- no dbsync.server_pubkey: nothing is sent, to anyone
Warning: dbsync_send(): dbsync.server_pubkey is not set, so the server cannot be authenticated and nothing was sent: set it in php.ini to the key dbsyncd logs at start (dbsync.server_pubkey = sha256:...) or to a copy of its tls-server-pubkey.pem; only dbsync.server_verify = 0 accepts any server (then anyone on the network path can pose as dbsyncd) in Command line code on line 1
bool(false)
string(%d) "dbsync.server_pubkey is not set, so the server cannot be authenticated and nothing was sent: %s"
Warning: dbsync_send(): dbsync.server_pubkey is not set, %s in Command line code on line 1
bool(false)
string(%d) "dbsync.server_pubkey is not set, %s"
impostor: 0 connection(s), 0 handshake(s), 0 command(s)
int(0)
-- pinned with the line dbsyncd logged at start
string(2) "OK"
NULL
string(4) "real"
Warning: dbsync_send(): 127.0.0.1:%d: TLS handshake failed: server key ECDSA P-256 sha256:%x is not a trusted key (dbsync.server_pubkey names another key) in Command line code on line 1
bool(false)
string(%d) "127.0.0.1:%d: TLS handshake failed: server key ECDSA P-256 sha256:%x is not a trusted key (dbsync.server_pubkey names another key)"
impostor: 1 connection(s), 0 handshake(s), 0 command(s)
-- pinned with the public key file dbsyncd wrote beside its key
string(2) "OK"
NULL
string(4) "file"
-- only dbsync.server_verify=0 accepts any server: then the impostor gets the command and its +OK is believed
string(2) "OK"
NULL
impostor: 2 connection(s), 1 handshake(s), 1 command(s)
string(4) "file"
