--TEST--
dbsync: extension loads, typed signatures, ini defaults, phpinfo
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
foreach (['dbsync_send', 'dbsync_reset', 'dbsync_last_error', 'dbsync_last_status'] as $f) {
    $r = new ReflectionFunction($f);
    $params = array_map(fn($p) => $p->getType() . ' $' . $p->getName() . ($p->isOptional() ? ' = ' . var_export($p->getDefaultValue(), true) : ''), $r->getParameters());
    echo "$f(", implode(', ', $params), "): ", $r->getReturnType(), "\n";
}
foreach (['servers', 'keepalive', 'persistent', 'timeout', 'ack', 'signkey'] as $k) {
    echo "dbsync.$k=", var_export(ini_get("dbsync.$k"), true), "\n";
}
var_dump(phpversion('dbsync') === (new ReflectionExtension('dbsync'))->getVersion());
ob_start();
phpinfo(INFO_MODULES);
$info = ob_get_clean();
var_dump(str_contains($info, 'dbsync support => enabled'));
var_dump((bool)preg_match('/Version => \d+\.\d+\.\d+/', $info));
var_dump(str_contains($info, 'dbsync.servers => 127.0.0.1:1111 => 127.0.0.1:1111'));
var_dump(dbsync_last_error(), dbsync_last_status());
?>
--EXPECT--
dbsync_send(array|string $command, ?string $servers = NULL): array|string|false|null
dbsync_reset(): void
dbsync_last_error(): ?string
dbsync_last_status(): array
dbsync.servers='127.0.0.1:1111'
dbsync.keepalive='1'
dbsync.persistent='0'
dbsync.timeout='3000'
dbsync.ack='one'
dbsync.signkey=''
bool(true)
bool(true)
bool(true)
bool(true)
NULL
array(0) {
}
