#!/bin/bash
# Runs the PHP extension's .phpt suite (php-ext/tests) with PHP's own
# run-tests.php, against real servers that this script starts on free
# loopback ports and stops again, whatever happens:
#
#   redis-server x3           DBSYNC_TEST_REDIS1..3 (host:port), REDIS1_UNIX, REDIS1_V6
#   dbsyncd x2 (if built)     DBSYNC_TEST_DBSYNCD1 -> REDIS1+REDIS2, DBSYNC_TEST_DBSYNCD2 -> REDIS3
#                             (so a write through both reaches each database once)
#   misbehaving peers         DBSYNC_TEST_SILENT, _ONESHOT, _EATER, _COUNTER, _UNASKED (+ _LOG files);
#                             _IMPOSTOR: a TLS server with a key of its own that says +OK
#   a port nobody listens on  DBSYNC_TEST_REFUSED
#   keys (openssl CLI)        DBSYNC_TEST_KEY_RSA, _KEY_EC, _KEY_ED25519: trusted client keys
#                             (passwordless PEM; the public key is the same path with .pub);
#                             _KEY_FOREIGN: a valid key nobody trusts; _KEY_ENCRYPTED,
#                             _KEY_WEAK (RSA 1024), _KEY_GARBAGE: keys that must not load;
#                             _SERVER_PUB: public key of the TLS daemons' --tls-cert
#   php-cgi                   DBSYNC_TEST_PHP_CGI (for .user.ini), when installed
#   TLS dbsyncd (if built)    DBSYNC_TEST_TLS -> REDIS1: trusts RSA, EC and Ed25519, serves
#                             --tls-cert (key _SERVER_PUB); DBSYNC_TEST_TLS_OWNKEY -> REDIS1:
#                             trusts EC only, its own key in its --state-dir (the public key
#                             file it writes: _TLS_OWNKEY_PUB; its log: _TLS_OWNKEY_LOG)
#
# The last line is "php: N passed, N failed"; the exit status is non-zero
# when a test failed (or nothing ran). Options: test files or directories to
# run instead of the whole suite. DBSYNC_EXT overrides the extension path.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EXT=${DBSYNC_EXT:-$ROOT/php-ext/modules/dbsync.so}
DBSYNCD=${DBSYNCD:-$ROOT/daemon/dbsyncd}
PHP_BIN=${TEST_PHP_EXECUTABLE:-$(command -v php)}
WORK=$(mktemp -d /tmp/dbsync-phpt.XXXXXX)
PIDS=()

RT_PGID=""
cleanup() {
    local p
    # run-tests.php runs in its own process group: stop it and its test
    # processes (a php -S server of a test, say) together.
    [ -n "$RT_PGID" ] && kill -- "-$RT_PGID" 2>/dev/null
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail_setup() {
    echo "php: setup failed: $*" >&2
    echo "php: 0 passed, 1 failed"
    exit 1
}

[ -f "$EXT" ] || fail_setup "extension not built: $EXT (run make php-ext)"
[ -n "$PHP_BIN" ] || fail_setup "php not found"
RUN_TESTS=""
for f in "$ROOT/php-ext/run-tests.php" /usr/lib/php/*/build/run-tests.php \
         "$(php-config --prefix 2>/dev/null)/lib/php/build/run-tests.php"; do
    [ -f "$f" ] && { RUN_TESTS=$f; break; }
done
[ -n "$RUN_TESTS" ] || fail_setup "run-tests.php not found (install php-dev)"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until "PING" on host port gets "+PONG" (redis and dbsyncd alike).
wait_pong() {
    local port=$1 i
    for i in $(seq 1 100); do
        if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; then return 0; fi
        sleep 0.05
    done
    return 1
}

# These set PORT rather than print it: a $(...) subshell would lose PIDS.
start_redis() {
    local name=$1 try
    for try in 1 2 3; do
        PORT=$(free_port)
        redis-server --port "$PORT" --bind 127.0.0.1 -::1 --save "" --appendonly no \
            --unixsocket "$WORK/$name.sock" --unixsocketperm 700 --dir "$WORK" \
            --logfile "$WORK/$name.log" --daemonize no </dev/null >/dev/null 2>&1 &
        PIDS+=($!)
        wait_pong "$PORT" && return 0
    done
    return 1
}

start_peer() {
    local mode=$1 i
    shift
    python3 "$ROOT/php-ext/tests/peer.py" "$mode" "$WORK/$mode.port" "$WORK/$mode.log" "$@" </dev/null &
    PIDS+=($!)
    for i in $(seq 1 100); do
        [ -f "$WORK/$mode.port" ] && { PORT=$(cat "$WORK/$mode.port"); return 0; }
        sleep 0.05
    done
    return 1
}

start_dbsyncd() {
    local name=$1 dbs=$2 try
    for try in 1 2 3; do
        PORT=$(free_port)
        "$DBSYNCD" -b 127.0.0.1 -p "$PORT" -d "$dbs" </dev/null >"$WORK/$name.log" 2>&1 &
        PIDS+=($!)
        wait_pong "$PORT" && return 0
    done
    return 1
}

# Waits for a TLS-only dbsyncd: redis-cli may lack --tls, so read the log.
# Its state (its server key) goes to $WORK/NAME.state, never /var/lib.
start_tls_dbsyncd() {
    local name=$1 dbs=$2 try i
    shift 2
    for try in 1 2 3; do
        PORT=$(free_port)
        "$DBSYNCD" -b 127.0.0.1 -p "$PORT" -d "$dbs" --state-dir "$WORK/$name.state" "$@" \
            </dev/null >"$WORK/$name.log" 2>&1 &
        PIDS+=($!)
        for i in $(seq 1 100); do
            grep -q "listening on" "$WORK/$name.log" 2>/dev/null && return 0
            kill -0 "${PIDS[-1]}" 2>/dev/null || break
            sleep 0.05
        done
    done
    return 1
}

# Client keys of every accepted type, a foreign one and some that must not
# load, made fresh for each run with the openssl CLI.
make_keys() {
    local k=$WORK/keys
    mkdir -p "$k" && chmod 700 "$k" || return 1
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k/rsa.pem" 2>/dev/null &&
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k/ec.pem" &&
    openssl genpkey -algorithm ED25519 -out "$k/ed25519.pem" &&
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k/foreign.pem" &&
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k/server.pem" &&
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k/impostor.pem" &&
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$k/weak.pem" 2>/dev/null &&
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc -pass pass:secret \
        -out "$k/encrypted.pem" || return 1
    local name
    for name in rsa ec ed25519 foreign server weak; do
        openssl pkey -in "$k/$name.pem" -pubout -out "$k/$name.pub" || return 1
    done
    openssl req -new -x509 -key "$k/server.pem" -subj /CN=dbsyncd -days 30 -out "$k/server.crt" 2>/dev/null ||
        return 1
    openssl req -new -x509 -key "$k/impostor.pem" -subj /CN=dbsyncd -days 30 -out "$k/impostor.crt" 2>/dev/null ||
        return 1
    printf -- '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n' >"$k/garbage.pem"
    export DBSYNC_TEST_KEY_RSA=$k/rsa.pem DBSYNC_TEST_KEY_EC=$k/ec.pem DBSYNC_TEST_KEY_ED25519=$k/ed25519.pem
    export DBSYNC_TEST_KEY_FOREIGN=$k/foreign.pem DBSYNC_TEST_KEY_WEAK=$k/weak.pem
    export DBSYNC_TEST_KEY_ENCRYPTED=$k/encrypted.pem DBSYNC_TEST_KEY_GARBAGE=$k/garbage.pem
    export DBSYNC_TEST_SERVER_PUB=$k/server.pub
}

start_redis r1 || fail_setup "redis-server did not start"
export DBSYNC_TEST_REDIS1=127.0.0.1:$PORT
export DBSYNC_TEST_REDIS1_UNIX=unix:$WORK/r1.sock
if [ "$(redis-cli -h ::1 -p "$PORT" ping 2>/dev/null)" = "PONG" ]; then
    export DBSYNC_TEST_REDIS1_V6="[::1]:$PORT"
else
    export DBSYNC_TEST_REDIS1_V6=""
fi
start_redis r2 || fail_setup "redis-server did not start"
export DBSYNC_TEST_REDIS2=127.0.0.1:$PORT
start_redis r3 || fail_setup "redis-server did not start"
export DBSYNC_TEST_REDIS3=127.0.0.1:$PORT

for mode in silent oneshot eater counter unasked; do
    start_peer "$mode" || fail_setup "python3 peer ($mode) did not start"
    var=DBSYNC_TEST_${mode^^}
    export "$var=127.0.0.1:$PORT"
    export "${var}_LOG=$WORK/$mode.log"
done
export DBSYNC_TEST_REFUSED=127.0.0.1:$(free_port)

export DBSYNC_TEST_DBSYNCD1="" DBSYNC_TEST_DBSYNCD2=""
if [ -x "$DBSYNCD" ]; then
    start_dbsyncd d1 "redis:$DBSYNC_TEST_REDIS1,redis:$DBSYNC_TEST_REDIS2" ||
        fail_setup "dbsyncd did not start: $(tail -3 "$WORK/d1.log")"
    export DBSYNC_TEST_DBSYNCD1=127.0.0.1:$PORT
    start_dbsyncd d2 "redis:$DBSYNC_TEST_REDIS3" || fail_setup "dbsyncd did not start: $(tail -3 "$WORK/d2.log")"
    export DBSYNC_TEST_DBSYNCD2=127.0.0.1:$PORT
else
    echo "php: $DBSYNCD not built; dbsyncd tests will be skipped"
fi

export DBSYNC_TEST_TLS="" DBSYNC_TEST_TLS_OWNKEY="" DBSYNC_TEST_IMPOSTOR=""
if ! command -v openssl >/dev/null; then
    echo "php: openssl CLI not found; TLS tests will be skipped"
else
    make_keys || fail_setup "cannot make test keys with the openssl CLI"
    start_peer impostor "$WORK/keys/impostor.crt" "$WORK/keys/impostor.pem" ||
        fail_setup "python3 peer (impostor) did not start"
    export DBSYNC_TEST_IMPOSTOR=127.0.0.1:$PORT DBSYNC_TEST_IMPOSTOR_LOG=$WORK/impostor.log
fi
if [ -x "$DBSYNCD" ] && [ -n "${DBSYNC_TEST_KEY_EC:-}" ]; then
    k=$WORK/keys
    start_tls_dbsyncd tls "redis:$DBSYNC_TEST_REDIS1" -s "$k/rsa.pub" -s "$k/ec.pub,$k/ed25519.pub" \
        --tls-cert "$k/server.crt" --tls-key "$k/server.pem" ||
        fail_setup "TLS dbsyncd did not start: $(tail -3 "$WORK/tls.log")"
    export DBSYNC_TEST_TLS=127.0.0.1:$PORT
    start_tls_dbsyncd tls-ownkey "redis:$DBSYNC_TEST_REDIS1" --pubkey "$k/ec.pub" ||
        fail_setup "TLS dbsyncd did not start: $(tail -3 "$WORK/tls-ownkey.log")"
    export DBSYNC_TEST_TLS_OWNKEY=127.0.0.1:$PORT
    export DBSYNC_TEST_TLS_OWNKEY_LOG=$WORK/tls-ownkey.log
    export DBSYNC_TEST_TLS_OWNKEY_PUB=$WORK/tls-ownkey.state/tls-server-pubkey.pem
fi

export DBSYNC_TEST_EXT=$EXT
export DBSYNC_TEST_PHP=$PHP_BIN
# php-cgi reads .user.ini files (the CLI does not); tools/install-deps.sh installs it.
export DBSYNC_TEST_PHP_CGI=$(command -v php-cgi || true)
export NO_INTERACTION=1 REPORT_EXIT_STATUS=1 TEST_PHP_EXECUTABLE=$PHP_BIN

# An extension built with SANITIZE=1 needs the ASan runtime loaded first
# (libtool links it with -nostdlib, so it is not a dependency of the .so),
# and Zend's allocator off so that ASan sees every allocation.
# PHP dlopen()s extensions with RTLD_DEEPBIND, which ASan refuses; a tiny
# preloaded shim drops that flag (it only matters for symbol clashes).
if nm -D "$EXT" 2>/dev/null | grep -q ' U __asan_'; then
    printf '%s\n' '#define _GNU_SOURCE' '#include <dlfcn.h>' \
        'void *dlopen(const char *f, int fl) {' \
        '    static void *(*real)(const char *, int);' \
        '    if (!real) real = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");' \
        '    return real(f, fl & ~RTLD_DEEPBIND);' '}' >"$WORK/nodeepbind.c"
    gcc -shared -fPIC -o "$WORK/nodeepbind.so" "$WORK/nodeepbind.c" -ldl || fail_setup "cannot build the dlopen shim"
    export LD_PRELOAD="$WORK/nodeepbind.so $(g++ -print-file-name=libasan.so)" USE_ZEND_ALLOC=0
    # Appended: the last setting of an option wins. PHP leaks by design at exit.
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0"
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    echo "php: sanitizer build, running with LD_PRELOAD=$LD_PRELOAD"
fi
# Every test skips when the extension does not load: make that a failure.
"$PHP_BIN" -n -d "extension=$EXT" -r 'exit(extension_loaded("dbsync") ? 0 : 1);' ||
    fail_setup "$EXT does not load into $PHP_BIN"

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("$ROOT/php-ext/tests")
# -n: no system php.ini, so only this extension (and nothing cached) is loaded.
# In the background + wait, so that a signal reaches our trap at once.
setsid "$PHP_BIN" -n "$RUN_TESTS" -n -q --no-color --show-diff -p "$PHP_BIN" -d "extension=$EXT" \
    "${targets[@]}" </dev/null >"$WORK/run.log" 2>&1 &
RT_PGID=$!
wait "$RT_PGID"
rc=$?
RT_PGID=""
# run-tests.php redraws a "TEST i/n" progress line with CR; keep the results.
tr '\r' '\n' <"$WORK/run.log" | grep -v '^TEST [0-9]*/[0-9]* \[' >"$WORK/run.txt"
cat "$WORK/run.txt"
passed=$(grep -c '^PASS ' "$WORK/run.txt")
failed=$(grep -cE '^(FAIL|BORK|LEAK|WARN) ' "$WORK/run.txt")
skipped=$(grep -c '^SKIP ' "$WORK/run.txt")
if [ $rc -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "php: run-tests.php exited with status $rc"
    failed=1
fi
echo "php: $skipped skipped"
echo "php: $passed passed, $failed failed"
if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ] || [ $rc -ne 0 ]; then exit 1; fi
exit 0
