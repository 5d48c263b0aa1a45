--TEST--
Keys that cannot be used: one clear warning naming the setting and the file, and not one byte sent
--SKIPIF--
<?php $needs = ['COUNTER', 'EXT', 'KEY_EC', 'KEY_WEAK', 'KEY_ENCRYPTED', 'KEY_GARBAGE', 'SERVER_PUB']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$counter = test_env('COUNTER');
$ec = test_env('KEY_EC');
$cases = [
    'encrypted'        => ['dbsync.signkey' => test_env('KEY_ENCRYPTED')],
    'weak RSA'         => ['dbsync.signkey' => test_env('KEY_WEAK')],
    'garbage'          => ['dbsync.signkey' => test_env('KEY_GARBAGE')],
    'public key'       => ['dbsync.signkey' => test_env('SERVER_PUB')],
    'directory'        => ['dbsync.signkey' => dirname($ec)],
    'server_pubkey missing' => ['dbsync.signkey' => $ec, 'dbsync.server_pubkey' => '/nonexistent/server.pub'],
    'server_pubkey is private' => ['dbsync.signkey' => $ec, 'dbsync.server_pubkey' => test_env('KEY_WEAK')],
    'server_pubkey alone' => ['dbsync.server_pubkey' => test_env('SERVER_PUB')],
    'server_pubkey not a fingerprint' => ['dbsync.signkey' => $ec, 'dbsync.server_pubkey' => 'sha256:0123abcd'],
    'no server_pubkey' => ['dbsync.signkey' => $ec],
];
$code = 'var_dump(dbsync_send("SET k v"), dbsync_send("SET k v"), dbsync_last_status());';
foreach ($cases as $name => $ini) {
    $out = php_child(['dbsync.servers' => $counter] + $ini, $code);
    $out = str_replace([dirname($ec), "\n"], ['KEYS', ' '], $out);
    echo "$name: ", preg_replace('/ in Command line code on line 1/', '', $out), "\n";
}
usleep(100000);
echo "connections: ", peer_log('counter')['conn'], ", bytes: ", strlen(implode('', counter_chunks())), "\n";
?>
--EXPECTF--
encrypted: Warning: dbsync_send(): dbsync.signkey KEYS/encrypted.pem: the private key is encrypted; dbsync needs a passwordless key (openssl pkey -in KEYS/encrypted.pem -out plain.pem) Warning: %s bool(false) bool(false) array(0) { }
weak RSA: Warning: dbsync_send(): dbsync.signkey KEYS/weak.pem: RSA key of 1024 bits is too weak (at least 2048 bits are required) Warning: %s bool(false) bool(false) array(0) { }
garbage: Warning: dbsync_send(): dbsync.signkey KEYS/garbage.pem: cannot read the private key: %s Warning: %s bool(false) bool(false) array(0) { }
public key: Warning: dbsync_send(): dbsync.signkey KEYS/server.pub: is a public key; the private key is needed here Warning: %s bool(false) bool(false) array(0) { }
directory: Warning: dbsync_send(): dbsync.signkey KEYS: Is a directory Warning: %s bool(false) bool(false) array(0) { }
server_pubkey missing: Warning: dbsync_send(): dbsync.server_pubkey /nonexistent/server.pub: No such file or directory Warning: %s bool(false) bool(false) array(0) { }
server_pubkey is private: Warning: dbsync_send(): dbsync.server_pubkey KEYS/weak.pem: is a private key; %s Warning: %s bool(false) bool(false) array(0) { }
server_pubkey alone: Warning: dbsync_send(): dbsync.server_pubkey is set but dbsync.signkey is not: %s Warning: %s bool(false) bool(false) array(0) { }
server_pubkey not a fingerprint: Warning: dbsync_send(): dbsync.server_pubkey sha256:0123abcd: 'sha256:0123abcd' is not a key fingerprint (expected sha256: and 64 hex digits, as dbsyncd logs it) Warning: %s bool(false) bool(false) array(0) { }
no server_pubkey: Warning: dbsync_send(): dbsync.server_pubkey is not set, so the server cannot be authenticated and nothing was sent: %s Warning: %s bool(false) bool(false) array(0) { }
connections: 0, bytes: 0
