--TEST--
The client key is loaded once per process, again when its file is replaced; a removed key fails closed
--SKIPIF--
<?php $needs = ['TLS', 'REDIS1', 'EXT', 'KEY_EC', 'KEY_FOREIGN', 'KEY_RSA', 'SERVER_PUB']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$key = sys_get_temp_dir() . '/dbsync-phpt-key-' . getmypid() . '.pem';
copy(test_env('KEY_EC'), $key);
$script = '<?php require ' . var_export(__DIR__ . '/common.inc', true) . ';' . <<<'PHP'
$key = ini_get('dbsync.signkey');
$swap = function (string $from) use ($key) { copy($from, "$key.new"); rename("$key.new", $key); };
$accepted = fn() => (int)info_field((string)dbsync_send('DBSYNC INFO'), 'tls_handshakes_accepted');
var_dump(dbsync_send('PING'));
// An open connection keeps its session whatever happens to the file.
$swap(test_env('KEY_FOREIGN'));
var_dump(dbsync_send('PING'));
// A new connection uses the new key (refused: the daemon does not trust it).
dbsync_reset();
var_dump(dbsync_send('PING'));
$swap(test_env('KEY_RSA'));
var_dump(dbsync_send('PING'));
// Gone: fails closed, even though a good key was loaded before.
unlink($key);
dbsync_reset();
var_dump(dbsync_send('PING'));
PHP;
echo php_child(['dbsync.signkey' => $key, 'dbsync.server_pubkey' => test_env('SERVER_PUB'), 'dbsync.servers' => test_env('TLS')],
               $script), "\n";
@unlink($key);
?>
--EXPECTF--
string(4) "PONG"
string(4) "PONG"
Warning: dbsync_send(): 127.0.0.1:%d: TLS handshake rejected: the server refused this client's key ECDSA P-256 %s in %s on line %d
bool(false)
string(4) "PONG"
Warning: dbsync_send(): 127.0.0.1:%d: dbsync.signkey %s: No such file or directory in %s on line %d
bool(false)
