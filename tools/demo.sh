#!/bin/bash
# make demo: two redis-servers and dbsyncd on loopback ports; commands go in
# through dbsyncd with redis-cli and the same data shows up in both databases.
# With the PHP extension built, php-ext/examples/run-demo.sh then writes
# through two dbsyncd instances from PHP. Everything started is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=$(mktemp -d /tmp/dbsync-demo.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$DIR"
}
trap cleanup EXIT

port() { tools/free_port.sh; }
wait_port() {  # port: wait up to 5 s until it accepts connections
    for _ in $(seq 50); do
        redis-cli -p "$1" PING >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "demo: nothing answers on port $1" >&2
    exit 1
}
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

R1=$(port); R2=$(port)
for p in $R1 $R2; do
    redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR" >"$DIR/redis-$p.log" 2>&1 &
    PIDS+=($!)
done
wait_port "$R1"; wait_port "$R2"

D1=$(port)
daemon/dbsyncd -p "$D1" -d "redis:127.0.0.1:$R1,redis:127.0.0.1:$R2" 2>"$DIR/dbsyncd-1.log" &
PIDS+=($!)
wait_port "$D1"

say "Two databases: redis-server on ports $R1 and $R2; dbsyncd on port $D1 in front of both."
say "\$ redis-cli -p $D1 SET greeting \"hello from dbsync\""
redis-cli -p "$D1" SET greeting "hello from dbsync"
say "\$ redis-cli -p $D1 RPUSH queue a b c"
redis-cli -p "$D1" RPUSH queue a b c
say "\$ redis-cli -p $D1 INCRBY counter 42"
redis-cli -p "$D1" INCRBY counter 42
for p in $R1 $R2; do
    say "Straight from the database on port $p:"
    echo "GET greeting     -> $(redis-cli -p "$p" GET greeting)"
    echo "LRANGE queue     -> $(redis-cli -p "$p" LRANGE queue 0 -1 | tr '\n' ' ')"
    echo "GET counter      -> $(redis-cli -p "$p" GET counter)"
done
say "\$ redis-cli -p $D1 SUBSCRIBE news   (refused: a fan-out cannot merge streams)"
redis-cli -p "$D1" SUBSCRIBE news || true

say "dbsyncd's own statistics (redis-cli -p $D1 DBSYNC INFO):"
redis-cli -p "$D1" DBSYNC INFO | sed -n '/# Stats/,$p'
say "Demo done; stopping everything."
cleanup
trap - EXIT

if [ -f php-ext/modules/dbsync.so ]; then
    say "PHP: dbsync_send() through two dbsyncd instances"
    bash php-ext/examples/run-demo.sh
else
    say "(PHP part skipped: install php-dev and run 'make' to build the extension)"
fi
