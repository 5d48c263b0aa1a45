--TEST--
dbsync_send(): ValueError for bad or empty commands and servers, TypeError for bad array elements
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
$cases = [
    ['SET k "unbalanced'],
    ["SET k 'unbalanced"],
    [''],
    ["   \t "],
    [[]],
    [['SET', 'k', true]],
    [['SET', 'k', null]],
    [['SET', ['nested']]],
    [['SET', new stdClass]],
    ['PING', ''],
    ['PING', 'no-port'],
    ['PING', '127.0.0.1:99999'],
    ['PING', '::1:6379'],
];
foreach ($cases as $args) {
    try {
        var_dump(dbsync_send(...$args));
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}
// Nothing was sent, so nothing failed.
var_dump(dbsync_last_error());
?>
--EXPECT--
ValueError: dbsync_send(): Argument #1 ($command) is not a valid command: unbalanced double quotes
ValueError: dbsync_send(): Argument #1 ($command) is not a valid command: unbalanced single quotes
ValueError: dbsync_send(): Argument #1 ($command) must not be an empty command
ValueError: dbsync_send(): Argument #1 ($command) must not be an empty command
ValueError: dbsync_send(): Argument #1 ($command) must not be an empty array
TypeError: dbsync_send(): Argument #1 ($command) must contain only strings, ints and floats, bool given
TypeError: dbsync_send(): Argument #1 ($command) must contain only strings, ints and floats, null given
TypeError: dbsync_send(): Argument #1 ($command) must contain only strings, ints and floats, array given
TypeError: dbsync_send(): Argument #1 ($command) must contain only strings, ints and floats, stdClass given
ValueError: dbsync_send(): Argument #2 ($servers) is not a valid server list: no server address given
ValueError: dbsync_send(): Argument #2 ($servers) is not a valid server list: invalid server address 'no-port': expected host:port
ValueError: dbsync_send(): Argument #2 ($servers) is not a valid server list: invalid server address '127.0.0.1:99999': port must be a number from 1 to 65535
ValueError: dbsync_send(): Argument #2 ($servers) is not a valid server list: invalid server address '::1:6379': IPv6 addresses need brackets: [addr]:port
NULL
