<?php
/* dbsync demo: writes through two dbsyncd instances and shows what every
 * Redis database behind them now holds.
 *
 *   php -d extension=php-ext/modules/dbsync.so php-ext/examples/demo.php \
 *       DBSYNCD1,DBSYNCD2 REDIS1,REDIS2,...
 *
 * or with DBSYNC_DEMO_SERVERS / DBSYNC_DEMO_DATABASES in the environment
 * (php-ext/examples/run-demo.sh starts everything and calls it). */

$servers = $argv[1] ?? getenv('DBSYNC_DEMO_SERVERS') ?: '127.0.0.1:1111';
$databases = array_filter(explode(',', $argv[2] ?? getenv('DBSYNC_DEMO_DATABASES') ?: ''));
if (!extension_loaded('dbsync')) {
    fwrite(STDERR, "demo: the dbsync extension is not loaded (php -d extension=.../dbsync.so)\n");
    exit(1);
}

/* Reads a key straight from one database, without dbsync. */
function db_get(string $addr, array $args) {
    return dbsync_send($args, $addr);
}

ini_set('dbsync.servers', $servers);
ini_set('dbsync.ack', 'all');
echo "dbsync ", phpversion('dbsync'), ": dbsync.servers = $servers, dbsync.ack = all\n\n";

$writes = [
    'SET demo:greeting "hello from PHP"',
    ['SET', 'demo:binary', "bytes\0with\r\nNUL and CRLF"],
    'HSET demo:user:1 name Ada lang PHP',
    'RPUSH demo:log first second',
    'INCR demo:counter',
];
foreach ($writes as $w) {
    $shown = is_array($w) ? json_encode($w) : $w;
    $r = dbsync_send($w);
    printf("  %-45s -> %s\n", $shown, var_export($r, true));
}
echo "\nPer server of the last call:\n";
foreach (dbsync_last_status() as $s) {
    printf("  %-22s %s in %.2f ms\n", $s['server'], $s['ok'] ? 'ok' : ($s['error'] ?? 'pending'), $s['time_ms']);
}

echo "\nWhat every database holds now:\n";
foreach ($databases as $db) {
    echo "  redis $db\n";
    printf("    demo:greeting = %s\n", var_export(db_get($db, ['GET', 'demo:greeting']), true));
    printf("    demo:binary   = %s\n", json_encode(db_get($db, ['GET', 'demo:binary'])));
    printf("    demo:user:1   = %s\n", json_encode(db_get($db, ['HGETALL', 'demo:user:1'])));
    printf("    demo:log      = %s\n", json_encode(db_get($db, ['LRANGE', 'demo:log', '0', '-1'])));
    printf("    demo:counter  = %s\n", var_export(db_get($db, ['GET', 'demo:counter']), true));
}
dbsync_send('DEL demo:greeting demo:binary demo:user:1 demo:log demo:counter');
