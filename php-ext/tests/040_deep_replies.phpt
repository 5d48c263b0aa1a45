--TEST--
dbsync_send(): replies nested deeper than hiredis 0.14's reader allows (7 levels) come back whole
--SKIPIF--
<?php $needs = ['REDIS1']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/common.inc';
ini_set('dbsync.servers', test_env('REDIS1'));

// A table 10 levels deep.
echo json_encode(dbsync_send(['EVAL', 'return {{{{{{{{{{1}}}}}}}}}}', '0'])), "\n";
echo json_encode(dbsync_send(['EVAL', "return {1, {2, {3, {4, {5, {6, {7, {8, {9, {'ten', false}}}}}}}}}}", '0'])), "\n";

// As deep as Redis's Lua can nest a reply (it stops near 8,000 levels).
$depth = 7900;
$r = dbsync_send(['EVAL', "local t = 'leaf' for i = 1, $depth do t = {t} end return t", '0']);
$levels = 0;
while (is_array($r) && count($r) === 1) { $r = $r[0]; $levels++; }
var_dump($levels, $r);

// What redis-cli 7 asks for when it starts: CLIENT's documentation nests
// 12 levels (subcommands, their arguments, ...).
$docs = dbsync_send(['COMMAND', 'DOCS', 'CLIENT']);
var_dump($docs[0], in_array('subcommands', $docs[1], true));

// The connection is as good as before.
var_dump(dbsync_send('PING'), dbsync_last_error());
?>
--EXPECT--
[[[[[[[[[["1"]]]]]]]]]]
["1",["2",["3",["4",["5",["6",["7",["8",["9",["ten",null]]]]]]]]]]
int(7900)
string(4) "leaf"
string(6) "client"
bool(true)
string(4) "PONG"
NULL
