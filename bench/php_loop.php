<?php
/* 20,000 SETs from one PHP process, up to four ways, measured in the same run:
 *
 *   dbsync_send via dbsyncd   the product path: extension -> dbsyncd -> redis
 *   dbsync_send direct        the extension straight to redis (no daemon)
 *   phpredis direct           Debian's php-redis straight to redis, for reference
 *   phpredis via twemproxy    the same through another proxy (DBSYNC_BENCH_TWEMPROXY
 *                             set): what one extra hop costs any proxy
 *
 *   DBSYNC_BENCH_DBSYNCD=127.0.0.1:1111 DBSYNC_BENCH_REDIS=127.0.0.1:6379 \
 *   php -d extension=php-ext/modules/dbsync.so bench/php_loop.php [iterations]
 *
 * Prints one "name: N ops/s" line per way; a way whose server or extension
 * is missing is reported as skipped. Run with -d dbsync.signkey=KEY and
 * -d dbsync.server_pubkey=SERVER (and DBSYNC_BENCH_DBSYNCD pointing at a
 * dbsyncd --pubkey), the "via dbsyncd" line is the signed (TLS) figure.
 *
 * Signed against unsigned in the same run: also set
 *
 *   DBSYNC_BENCH_TLS=127.0.0.1:1112      a dbsyncd --pubkey KEY.pub, same databases as DBSYNC_BENCH_DBSYNCD
 *   DBSYNC_BENCH_SIGNKEY=/path/KEY.pem   its client key
 *   DBSYNC_BENCH_SERVER_PUBKEY=...       its server key (dbsync.server_pubkey: the
 *                                        tls-server-pubkey.pem in its --state-dir)
 *   DBSYNC_BENCH_ROUNDS=5                rounds (default 5), order alternated, medians reported
 *
 * dbsync.signkey cannot change inside a process, so each round runs the
 * loop in two fresh PHP processes (same binary, extension and settings),
 * one unsigned through DBSYNC_BENCH_DBSYNCD and one signed through
 * DBSYNC_BENCH_TLS, both with dbsync.keepalive=1 (one TLS handshake, then
 * one encrypted round trip per SET). It prints both figures and their
 * ratio ("signed/unsigned: 0.95x"). */

$n = (int)($argv[1] ?? getenv('DBSYNC_BENCH_N') ?: 20000);
$dbsyncd = getenv('DBSYNC_BENCH_DBSYNCD') ?: '';
$redis = getenv('DBSYNC_BENCH_REDIS') ?: '127.0.0.1:6379';
// DBSYNC_BENCH_ONLY=dbsyncd: only the "via dbsyncd" way (the bench's extra runs).
$onlyDbsyncd = getenv('DBSYNC_BENCH_ONLY') === 'dbsyncd';

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

/* --- signed against unsigned, in child processes ---------------------------- */

$child = getenv('DBSYNC_BENCH_CHILD') ?: '';
if ($child !== '') {  // one loop, one line, for the parent below
    run("dbsync_send $child", $n, function () use ($dbsyncd) {
        ini_set('dbsync.servers', $dbsyncd);
        ini_set('dbsync.keepalive', '1');
        return null;
    }, fn($c, $k, $i) => dbsync_send(['SET', $k, "value-$i"]));
    exit(0);
}

$tls = getenv('DBSYNC_BENCH_TLS') ?: '';
$signkey = getenv('DBSYNC_BENCH_SIGNKEY') ?: '';
$serverPubkey = getenv('DBSYNC_BENCH_SERVER_PUBKEY') ?: '';
if ($tls !== '' && $signkey !== '' && extension_loaded('dbsync')) {
    $rounds = max(1, (int)(getenv('DBSYNC_BENCH_ROUNDS') ?: 5));
    // The children load the extension the way this process did.
    $probe = shell_exec(escapeshellarg(PHP_BINARY) . ' -r ' . escapeshellarg('echo extension_loaded("dbsync") ? 1 : 0;') . ' 2>/dev/null');
    $base = [PHP_BINARY];
    if (trim((string)$probe) !== '1') {
        $so = getenv('DBSYNC_BENCH_EXT') ?: __DIR__ . '/../php-ext/modules/dbsync.so';
        array_push($base, '-d', 'extension=' . realpath($so));
    }
    $loop = function (string $mode) use ($base, $n, $dbsyncd, $tls, $signkey, $serverPubkey): ?float {
        $cmd = $base;
        if ($mode === 'signed') array_push($cmd, '-d', "dbsync.signkey=$signkey", '-d', "dbsync.server_pubkey=$serverPubkey");
        array_push($cmd, __FILE__, (string)$n);
        $env = getenv() + [];
        $env['DBSYNC_BENCH_CHILD'] = $mode;
        $env['DBSYNC_BENCH_DBSYNCD'] = $mode === 'signed' ? $tls : $dbsyncd;
        $p = proc_open($cmd, [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
        fclose($pipes[0]);
        $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        proc_close($p);
        if (preg_match('/:\s+([0-9.]+) ops\/s/', $out, $m)) return (float)$m[1];
        fwrite(STDERR, "php_loop: $mode loop failed: " . trim($out) . "\n");
        return null;
    };
    echo "php ", PHP_VERSION, ", $n iterations x $rounds rounds, keepalive, unsigned via $dbsyncd, signed via $tls ($signkey)\n";
    $got = ['unsigned' => [], 'signed' => []];
    for ($r = 0; $r < $rounds; $r++) {
        foreach ($r % 2 ? ['signed', 'unsigned'] : ['unsigned', 'signed'] as $mode) {
            $v = $loop($mode);
            if ($v !== null) $got[$mode][] = $v;
        }
        printf("  round %d: unsigned %s, signed %s ops/s\n", $r + 1,
            isset($got['unsigned'][$r]) ? number_format(end($got['unsigned'])) : '-',
            isset($got['signed'][$r]) ? number_format(end($got['signed'])) : '-');
    }
    $median = function (array $v): ?float {
        if (!$v) return null;
        sort($v);
        $c = count($v);
        return $c % 2 ? $v[intdiv($c, 2)] : ($v[$c / 2 - 1] + $v[$c / 2]) / 2;
    };
    $u = $median($got['unsigned']);
    $sg = $median($got['signed']);
    foreach (['dbsync_send via dbsyncd, unsigned' => $u, 'dbsync_send via dbsyncd, signed' => $sg] as $name => $v) {
        if ($v === null) printf("%-36s skipped: the loop failed\n", "$name:");
        else printf("%-36s %9.0f ops/s  (median of %d rounds)\n", "$name:", $v, $rounds);
    }
    if ($u && $sg) printf("signed/unsigned: %.2fx (target >= 0.90x)\n", $sg / $u);
    exit($u && $sg ? 0 : 1);
}

/* The setup of a phpredis loop: a connection to HOST:PORT. */
function phpredisTo(string $hostPort): callable {
    $colon = strrpos($hostPort, ':');
    [$host, $port] = [substr($hostPort, 0, $colon), (int)substr($hostPort, $colon + 1)];
    return function () use ($host, $port) {
        $r = new Redis();
        if (!$r->connect($host, $port, 3.0)) throw new RuntimeException('cannot connect');
        return $r;
    };
}

echo "php ", PHP_VERSION, ", $n iterations, dbsyncd=", $dbsyncd ?: '(none)', ", redis=$redis\n";

if (extension_loaded('dbsync') && $dbsyncd !== '') {
    run('dbsync_send via dbsyncd', $n, function () use ($dbsyncd) {
        ini_set('dbsync.servers', $dbsyncd);
        return null;
    }, fn($c, $k, $i) => dbsync_send(['SET', $k, "value-$i"]));
} else {
    printf("%-26s skipped: %s\n", 'dbsync_send via dbsyncd:', extension_loaded('dbsync') ? 'DBSYNC_BENCH_DBSYNCD not set' : 'extension not loaded');
}
if ($onlyDbsyncd) exit(0);
if (extension_loaded('dbsync')) {
    run('dbsync_send direct', $n, function () use ($redis) {
        ini_set('dbsync.servers', $redis);
        return null;
    }, fn($c, $k, $i) => dbsync_send(['SET', $k, "value-$i"]));
}
if (class_exists('Redis')) {
    run('phpredis direct', $n, phpredisTo($redis), fn($r, $k, $i) => $r->set($k, "value-$i"));
} else {
    printf("%-26s skipped: php-redis not loaded\n", 'phpredis direct:');
}
$twemproxy = getenv('DBSYNC_BENCH_TWEMPROXY') ?: '';
if (class_exists('Redis') && $twemproxy !== '') {
    // The same loop through another proxy: what any extra hop costs.
    run('phpredis via twemproxy', $n, phpredisTo($twemproxy), fn($r, $k, $i) => $r->set($k, "value-$i"));
} else {
    printf("%-26s skipped: %s\n", 'phpredis via twemproxy:', class_exists('Redis') ? 'DBSYNC_BENCH_TWEMPROXY not set' : 'php-redis not loaded');
}
