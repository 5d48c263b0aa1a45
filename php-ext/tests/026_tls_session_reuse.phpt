--TEST--
TLS connections: kept across calls (keepalive), fan-out to two TLS daemons, large values, pipelined late replies
--SKIPIF--
<?php $needs = ['TLS', 'TLS_OWNKEY', 'TLS_OWNKEY_PUB', 'REDIS1', 'EXT', 'KEY_EC', 'SERVER_PUB']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$script = '<?php require ' . var_export(__DIR__ . '/common.inc', true) . ';' . <<<'PHP'
$tls = test_env('TLS'); $eph = test_env('TLS_OWNKEY'); $r1 = test_env('REDIS1');
$k = test_key('tls-session');
$accepted = fn($addr) => (int)info_field(dbsync_send('DBSYNC INFO', $addr), 'tls_handshakes_accepted');

// keepalive=1: one handshake for many calls.
$before = $accepted($tls);
for ($i = 0; $i < 50; $i++) if (dbsync_send(['INCR', "$k:n"], $tls) !== (string)($i + 1)) echo "INCR $i failed\n";
echo "keepalive=1: ", $accepted($tls) - $before, " new handshake(s) over 50 calls\n";

// keepalive=0: one handshake per call.
ini_set('dbsync.keepalive', '0');
$before = $accepted($tls);
for ($i = 0; $i < 5; $i++) dbsync_send(['INCR', "$k:n"], $tls);
echo "keepalive=0: ", $accepted($tls) - $before - 1, " new handshake(s) over 5 calls\n";
ini_set('dbsync.keepalive', '1');

// Both daemons write to redis 1: ack=all sees two replies.
ini_set('dbsync.servers', "$tls,$eph");
ini_set('dbsync.ack', 'all');
var_dump(dbsync_send(['SADD', "$k:s", 'a']) !== false, count(dbsync_last_status()));
// 4 MiB each way: many TLS records, partial writes, buffered input.
$big = random_bytes(4 << 20);
var_dump(dbsync_send(['SET', "$k:big", $big]), dbsync_send(['GET', "$k:big"], $eph) === $big,
         raw_command($r1, ['STRLEN', "$k:big"]));
// ack=one returns on the first reply; the other's late reply is dropped later.
ini_set('dbsync.ack', 'one');
for ($i = 0; $i < 20; $i++) {
    $v = dbsync_send(['ECHO', "m$i"]);
    if ($v !== "m$i") echo "ECHO $i got ", var_export($v, true), "\n";
}
var_dump(dbsync_send(['GET', "$k:n"]));
dbsync_reset();
var_dump(dbsync_send(["DEL", "$k:n", "$k:s", "$k:big"], $tls));
PHP;
// Two daemons, two server keys: one PEM file may hold both.
$pins = sys_get_temp_dir() . '/dbsync-phpt-pins-' . getmypid() . '.pem';
file_put_contents($pins, file_get_contents(test_env('SERVER_PUB')) . file_get_contents(test_env('TLS_OWNKEY_PUB')));
echo php_child(['dbsync.signkey' => test_env('KEY_EC'), 'dbsync.server_pubkey' => $pins], $script), "\n";
unlink($pins);
?>
--EXPECT--
keepalive=1: 0 new handshake(s) over 50 calls
keepalive=0: 5 new handshake(s) over 5 calls
bool(true)
int(2)
string(2) "OK"
bool(true)
int(4194304)
string(2) "55"
string(1) "3"
