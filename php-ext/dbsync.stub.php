<?php

/**
 * dbsync: send one Redis command to every dbsyncd in dbsync.servers.
 *
 * @generate-class-entries
 */

/**
 * Sends $command (a redis-cli style line, or one argument per array element)
 * to every server at once and returns the first successful reply: strings for
 * status, bulk and integer replies, null for nil, arrays for multi-bulk.
 * Returns false with an E_WARNING when the reply is an error or the ack
 * policy (dbsync.ack) could not be met.
 */
function dbsync_send(string|array $command, ?string $servers = null): string|array|null|false {}

/**
 * Sends every command in $commands (each a string or an argument array, as
 * for dbsync_send()) to every server in one write, a pipeline, and returns
 * a list with one entry per command, in order: its reply, converted as
 * dbsync_send() converts it, or false when that command failed (the ack
 * policy applies to each command). When any failed, one E_WARNING and
 * dbsync_last_error() name how many and the first, by its index in the
 * list. False for the whole call only when nothing could be sent (a setting
 * is unusable, or no server took a single byte).
 *
 * @param array $commands strings or argument arrays
 * @return array|false a list of replies (false for each command that failed)
 */
function dbsync_send_many(array $commands, ?string $servers = null): array|false {}

/** Closes every connection; the next call reconnects. */
function dbsync_reset(): void {}

/** The reason the last call failed, or null after a success. */
function dbsync_last_error(): ?string {}

/**
 * Per server of the last call: server, ok, pending, error, time_ms.
 * @return array<int, array{server: string, ok: bool, pending: bool, error: ?string, time_ms: float}>
 */
function dbsync_last_status(): array {}
