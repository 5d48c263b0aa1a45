#!/bin/bash
# make demo-php: three redis-servers and two dbsyncd on free loopback ports
# (dbsyncd 1 -> redis 1+2, dbsyncd 2 -> redis 3), then examples/demo.php.
# Everything started here is stopped on exit.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EXT=$ROOT/php-ext/modules/dbsync.so
DBSYNCD=${DBSYNCD:-$ROOT/daemon/dbsyncd}
WORK=$(mktemp -d /tmp/dbsync-demo.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -f "$EXT" ] || { echo "demo: build the extension first (make php-ext)"; exit 1; }
[ -x "$DBSYNCD" ] || { echo "demo: build the daemon first (make daemon)"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_pong() {
    local i
    for i in $(seq 1 100); do
        [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0
        sleep 0.05
    done
    echo "demo: nothing answers on port $1"; return 1
}

REDIS=()
for i in 1 2 3; do
    port=$(free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
        --logfile "$WORK/redis$i.log" </dev/null >/dev/null 2>&1 &
    PIDS+=($!)
    wait_pong "$port" || exit 1
    REDIS+=("127.0.0.1:$port")
done
D1=$(free_port)
"$DBSYNCD" -b 127.0.0.1 -p "$D1" -d "redis:${REDIS[0]},redis:${REDIS[1]}" </dev/null >"$WORK/d1.log" 2>&1 &
PIDS+=($!)
D2=$(free_port)
"$DBSYNCD" -b 127.0.0.1 -p "$D2" -d "redis:${REDIS[2]}" </dev/null >"$WORK/d2.log" 2>&1 &
PIDS+=($!)
wait_pong "$D1" && wait_pong "$D2" || exit 1

echo "demo: dbsyncd 127.0.0.1:$D1 -> ${REDIS[0]}, ${REDIS[1]};  dbsyncd 127.0.0.1:$D2 -> ${REDIS[2]}"
php -n -d "extension=$EXT" "$ROOT/php-ext/examples/demo.php" \
    "127.0.0.1:$D1,127.0.0.1:$D2" "$(IFS=,; echo "${REDIS[*]}")"
