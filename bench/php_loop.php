<?php
/* 20,000 SETs from one PHP process, three ways, measured in the same run:
 *
 *   dbsync_send via dbsyncd   the product path: extension -> dbsyncd -> redis
 *   dbsync_send direct        the extension straight to redis (no daemon)
 *   phpredis direct           Debian's php-redis straight to redis, for reference
 *
 *   DBSYNC_BENCH_DBSYNCD=127.0.0.1:1111 DBSYNC_BENCH_REDIS=127.0.0.1:6379 \
 *   php -d extension=php-ext/modules/dbsync.so bench/php_loop.php [iterations]
 *
 * Prints one "name: N ops/s" line per way; a way whose server or extension
 * is missing is reported as skipped. */

$n = (int)($argv[1] ?? getenv('DBSYNC_BENCH_N') ?: 20000);
$dbsyncd = getenv('DBSYNC_BENCH_DBSYNCD') ?: '';
$redis = getenv('DBSYNC_BENCH_REDIS') ?: '127.0.0.1:6379';

function run(string $name, int $n, callable $setup, callable $op): void {
    try {
        $ctx = $setup();
        $op($ctx, 'warmup', 0);
        $t = hrtime(true);
        for ($i = 0; $i < $n; $i++) {
            if ($op($ctx, "bench:key:$i", $i) === false) throw new RuntimeException("SET failed at $i");
        }
        $s = (hrtime(true) - $t) / 1e9;
        printf("%-26s %9.0f ops/s  (%d SETs in %.3f s)\n", "$name:", $n / $s, $n, $s);
    } catch (Throwable $e) {
        printf("%-26s skipped: %s\n", "$name:", $e->getMessage());
    }
}

[$rhost, $rport] = [substr($redis, 0, strrpos($redis, ':')), (int)substr($redis, strrpos($redis, ':') + 1)];
echo "php ", PHP_VERSION, ", $n iterations, dbsyncd=", $dbsyncd ?: '(none)', ", redis=$redis\n";

if (extension_loaded('dbsync') && $dbsyncd !== '') {
    run('dbsync_send via dbsyncd', $n, function () use ($dbsyncd) {
        ini_set('dbsync.servers', $dbsyncd);
        return null;
    }, fn($c, $k, $i) => dbsync_send(['SET', $k, "value-$i"]));
} else {
    printf("%-26s skipped: %s\n", 'dbsync_send via dbsyncd:', extension_loaded('dbsync') ? 'DBSYNC_BENCH_DBSYNCD not set' : 'extension not loaded');
}
if (extension_loaded('dbsync')) {
    run('dbsync_send direct', $n, function () use ($redis) {
        ini_set('dbsync.servers', $redis);
        return null;
    }, fn($c, $k, $i) => dbsync_send(['SET', $k, "value-$i"]));
}
if (class_exists('Redis')) {
    run('phpredis direct', $n, function () use ($rhost, $rport) {
        $r = new Redis();
        if (!$r->connect($rhost, $rport, 3.0)) throw new RuntimeException('cannot connect');
        return $r;
    }, fn($r, $k, $i) => $r->set($k, "value-$i"));
} else {
    printf("%-26s skipped: php-redis not loaded\n", 'phpredis direct:');
}
