--TEST--
dbsync.ack: one, quorum and all over three servers
--SKIPIF--
<?php $needs = ['REDIS1', 'REDIS2', 'REDIS3', 'REFUSED']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
$r1 = test_env('REDIS1'); $r2 = test_env('REDIS2'); $r3 = test_env('REDIS3');
$bad = test_env('REFUSED');
$k = test_key('ack');

foreach (['one', 'quorum', 'all'] as $ack) {
    ini_set('dbsync.ack', $ack);
    foreach (["$r1,$r2,$r3", "$r1,$r2,$bad", "$r1,$bad,unix:/nonexistent"] as $servers) {
        $up = 3 - substr_count($servers, $bad) - substr_count($servers, 'unix:');
        $res = @dbsync_send(['SET', $k, $ack], $servers);
        $ok = count(array_filter(dbsync_last_status(), fn($s) => $s['ok']));
        $need = ['one' => 1, 'quorum' => 2, 'all' => 3][$ack];
        echo "ack=$ack, $up of 3 up: ", var_export($res, true), $ok >= $need ? ', met' : '',
            $res === false ? ', error: ' . preg_replace('/ servers, .*/', '', dbsync_last_error()) : '', "\n";
    }
}
var_dump(ini_set('dbsync.ack', 'most'), ini_get('dbsync.ack'));
var_dump(ini_set('dbsync.ack', 'QUORUM'), ini_get('dbsync.ack'));
dbsync_send(['DEL', $k], "$r1,$r2,$r3");
?>
--EXPECT--
ack=one, 3 of 3 up: 'OK', met
ack=one, 2 of 3 up: 'OK', met
ack=one, 1 of 3 up: 'OK', met
ack=quorum, 3 of 3 up: 'OK', met
ack=quorum, 2 of 3 up: 'OK', met
ack=quorum, 1 of 3 up: false, error: ack=quorum needs 2 of 3
ack=all, 3 of 3 up: 'OK', met
ack=all, 2 of 3 up: false, error: ack=all needs 3 of 3
ack=all, 1 of 3 up: false, error: ack=all needs 3 of 3
bool(false)
string(3) "all"
string(3) "all"
string(6) "QUORUM"
