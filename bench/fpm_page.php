<?php
/* The page bench/php_fpm.py asks php-fpm for: 10 writes, then 10 reads of
 * the same keys, one way chosen by the query string:
 *
 *   mode=one        dbsync_send, one command per call (20 calls)
 *   mode=many       dbsync_send_many: the 10 SETs in one call, the 10 GETs in another
 *   mode=phpredis   phpredis straight to redis, one command per call
 *   mode=pipeline   phpredis pipeline() straight to redis: 10 SETs, then 10 GETs
 *   mode=session    a PHP session through the dbsync handler: started,
 *                   the 10 values written, closed; started again, read
 *                   back, closed (unchanged: only its deadline moves)
 *   mode=session_phpredis  the same through phpredis's session handler,
 *                   straight to redis
 *   persistent=1    dbsync.persistent=1 (dbsync modes) or pconnect() (phpredis)
 *   rid=ID          the request's own id: its keys are fpm:ID:0..9
 *   servers=H:P     dbsync.servers for this request (dbsync modes)
 *   redis=H:P       the redis-server of the phpredis modes
 *
 * The body is "OK ID MD5 PID": MD5 is md5() of the 10 values read back,
 * joined with "\n", PID the worker's (to count recycled workers): the client knows what it wrote, so a reply that reached
 * the wrong request (another request's value, a stale one) shows as a wrong
 * checksum. Anything unexpected gives "ERR ID reason". */

$mode = $_GET['mode'] ?? '';
$persistent = ($_GET['persistent'] ?? '0') === '1';
$rid = $_GET['rid'] ?? '';
if ($rid === '' || !preg_match('/^[A-Za-z0-9_.-]+$/', $rid)) {
    echo "ERR - bad rid\n";
    return;
}

$keys = [];
$values = [];
for ($i = 0; $i < 10; $i++) {
    $keys[] = "fpm:$rid:$i";
    // 64 bytes, like a small cached fragment; unique to this request.
    $values[] = str_pad("$rid:$i:", 64, 'v');
}

function fail(string $rid, string $why): void {
    echo "ERR $rid ", str_replace("\n", ' ', $why), "\n";
}

function redisFor(string $hostPort, bool $persistent): Redis {
    $colon = strrpos($hostPort, ':');
    $r = new Redis();
    $host = substr($hostPort, 0, $colon);
    $port = (int)substr($hostPort, $colon + 1);
    $ok = $persistent ? $r->pconnect($host, $port, 3.0) : $r->connect($host, $port, 3.0);
    if (!$ok) throw new RuntimeException("cannot connect to $hostPort");
    return $r;
}

$got = null;
try {
    switch ($mode) {
        case 'one':
        case 'many':
            ini_set('dbsync.persistent', $persistent ? '1' : '0');
            ini_set('dbsync.servers', $_GET['servers'] ?? '');
            if ($mode === 'one') {
                for ($i = 0; $i < 10; $i++) {
                    $w = dbsync_send(['SET', $keys[$i], $values[$i]]);
                    if ($w !== 'OK') throw new RuntimeException("SET #$i: " . var_export($w, true) . ' ' . dbsync_last_error());
                }
                $got = [];
                for ($i = 0; $i < 10; $i++) $got[] = dbsync_send(['GET', $keys[$i]]);
            } else {
                $sets = [];
                for ($i = 0; $i < 10; $i++) $sets[] = ['SET', $keys[$i], $values[$i]];
                $w = dbsync_send_many($sets);
                if ($w !== array_fill(0, 10, 'OK')) throw new RuntimeException('SETs: ' . json_encode($w) . ' ' . dbsync_last_error());
                $got = dbsync_send_many(array_map(fn($k) => ['GET', $k], $keys));
            }
            break;
        case 'phpredis':
        case 'pipeline':
            $r = redisFor($_GET['redis'] ?? '', $persistent);
            if ($mode === 'phpredis') {
                for ($i = 0; $i < 10; $i++) {
                    if ($r->set($keys[$i], $values[$i]) !== true) throw new RuntimeException("SET #$i failed");
                }
                $got = [];
                for ($i = 0; $i < 10; $i++) $got[] = $r->get($keys[$i]);
            } else {
                $p = $r->pipeline();
                for ($i = 0; $i < 10; $i++) $p->set($keys[$i], $values[$i]);
                $w = $p->exec();
                if ($w !== array_fill(0, 10, true)) throw new RuntimeException('SETs: ' . json_encode($w));
                $p = $r->pipeline();
                foreach ($keys as $k) $p->get($k);
                $got = $p->exec();
            }
            if (!$persistent) $r->close();
            break;
        case 'session':
        case 'session_phpredis':
            ini_set('session.use_cookies', '0');
            ini_set('session.cache_limiter', '');
            ini_set('session.gc_probability', '0');
            if ($mode === 'session') {
                ini_set('dbsync.persistent', $persistent ? '1' : '0');
                ini_set('session.save_handler', 'dbsync');
                ini_set('session.save_path', $_GET['servers'] ?? '');
            } else {
                ini_set('session.save_handler', 'redis');
                ini_set('session.save_path', 'tcp://' . ($_GET['redis'] ?? '') . ($persistent ? '?persistent=1' : ''));
            }
            // An id of the request's own (session ids are [0-9a-v,-]).
            session_id(md5($rid));
            if (!session_start()) throw new RuntimeException('session_start failed');
            $_SESSION['v'] = $values;
            if (!session_write_close()) throw new RuntimeException('session_write_close failed');
            $_SESSION = [];
            if (!session_start()) throw new RuntimeException('session_start (again) failed');
            $got = $_SESSION['v'] ?? null;
            session_write_close();
            break;
        default:
            fail($rid, "unknown mode '$mode'");
            return;
    }
} catch (Throwable $e) {
    fail($rid, $e->getMessage());
    return;
}
if (!is_array($got) || count($got) !== 10) {
    fail($rid, 'GETs: ' . json_encode($got));
    return;
}
foreach ($got as $i => $v) {
    if (!is_string($v)) {
        fail($rid, "GET #$i: " . var_export($v, true));
        return;
    }
}
echo "OK $rid ", md5(implode("\n", $got)), " ", getmypid(), "\n";
