--TEST--
dbsync.signkey: RSA 2048, ECDSA P-256 and Ed25519 client keys are accepted by a TLS dbsyncd
--SKIPIF--
<?php $needs = ['TLS', 'REDIS1', 'EXT', 'KEY_RSA', 'KEY_EC', 'KEY_ED25519', 'SERVER_PUB']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$tls = test_env('TLS');
$r1 = test_env('REDIS1');
foreach (['RSA', 'EC', 'ED25519'] as $type) {
    $k = test_key("tls-$type");
    $out = php_child(['dbsync.servers' => $tls, 'dbsync.signkey' => test_env("KEY_$type"),
                      'dbsync.server_pubkey' => test_env('SERVER_PUB')],
        'var_dump(dbsync_send(["SET", ' . var_export($k, true) . ', "v\0' . $type . '"]), dbsync_last_error());');
    echo "$type: ", str_replace("\n", ' ', $out), "\n";
    // It really went through the daemon to the database.
    var_dump(raw_command($r1, ['GET', $k]) === "v\0$type");
    raw_command($r1, ['DEL', $k]);
}
?>
--EXPECT--
RSA: string(2) "OK" NULL
bool(true)
EC: string(2) "OK" NULL
bool(true)
ED25519: string(2) "OK" NULL
bool(true)
