--TEST--
dbsync.signkey, dbsync.server_pubkey and dbsync.server_verify come from php.ini only: neither .user.ini (php-cgi) nor ini_set() changes them
--SKIPIF--
<?php $needs = ['PHP_CGI', 'EXT', 'KEY_EC', 'SERVER_PUB', 'IMPOSTOR']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$before = peer_log('impostor')['cmd'];
/* A web application's directory, whose .user.ini tries to turn server
 * authentication off and to pick another key. dbsync.timeout may be set
 * there: it shows the file was read. */
$docroot = sys_get_temp_dir() . '/dbsync-phpt-userini-' . getmypid() . '-' . bin2hex(random_bytes(3));
mkdir($docroot);
file_put_contents("$docroot/.user.ini", "dbsync.signkey = $docroot/other.pem\n"
    . "dbsync.server_pubkey =\ndbsync.server_verify = 0\ndbsync.timeout = 1234\n");
file_put_contents("$docroot/index.php", '<?php
$keys = ["dbsync.signkey", "dbsync.server_pubkey", "dbsync.server_verify", "dbsync.timeout"];
foreach ($keys as $k) echo "$k=", ini_get($k), "\n";
// ini_set() refuses all three (and leaves them as they are).
foreach (["dbsync.signkey" => "", "dbsync.server_pubkey" => "", "dbsync.server_verify" => "0"] as $k => $v)
    echo "ini_set($k): ", var_export(ini_set($k, $v), true), ", now ", ini_get($k), "\n";
// So the impostor is still refused: its key is not the pinned one.
var_dump(@dbsync_send("SET k forged", getenv("DBSYNC_TEST_IMPOSTOR")));
echo dbsync_last_error(), "\n";
');
$cmd = [test_env('PHP_CGI'), '-n', '-d', 'extension=' . test_env('EXT'), '-d', 'display_errors=stdout',
        '-d', 'dbsync.signkey=' . test_env('KEY_EC'), '-d', 'dbsync.server_pubkey=' . test_env('SERVER_PUB')];
// A request for index.php, as a web server would pass it; not run-tests.php's own CGI variables.
$env = ['REDIRECT_STATUS' => '200', 'GATEWAY_INTERFACE' => 'CGI/1.1', 'REQUEST_METHOD' => 'GET',
        'SCRIPT_FILENAME' => "$docroot/index.php", 'DOCUMENT_ROOT' => $docroot,
        'DBSYNC_TEST_IMPOSTOR' => test_env('IMPOSTOR')];
foreach (['PATH', 'LD_PRELOAD', 'ASAN_OPTIONS', 'UBSAN_OPTIONS', 'USE_ZEND_ALLOC'] as $keep)
    if (getenv($keep) !== false) $env[$keep] = getenv($keep);
$proc = proc_open($cmd, [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, $docroot, $env);
fclose($pipes[0]);
$out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
fclose($pipes[1]);
fclose($pipes[2]);
proc_close($proc);
unlink("$docroot/.user.ini");
unlink("$docroot/index.php");
rmdir($docroot);
// The CGI response body, without its headers.
$body = substr($out, strpos($out, "\r\n\r\n") + 4);
echo str_replace([test_env('KEY_EC'), test_env('SERVER_PUB')], ['KEY_EC', 'SERVER_PUB'], $body);
echo "impostor: ", peer_log('impostor')['cmd'] - $before, " command(s) from php-cgi\n";
?>
--EXPECTF--
dbsync.signkey=KEY_EC
dbsync.server_pubkey=SERVER_PUB
dbsync.server_verify=1
dbsync.timeout=1234
ini_set(dbsync.signkey): false, now KEY_EC
ini_set(dbsync.server_pubkey): false, now SERVER_PUB
ini_set(dbsync.server_verify): false, now 1
bool(false)
127.0.0.1:%d: TLS handshake failed: server key ECDSA P-256 sha256:%x is not a trusted key (dbsync.server_pubkey names another key)
impostor: 0 command(s) from php-cgi
