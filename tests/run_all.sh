#!/bin/bash
# Runs dbsync's test suites and adds up their results.
#
#   tests/run_all.sh                   the whole `make test`: deps, release build,
#                                      unit + fuzz + e2e + php, then the
#                                      sanitized build with unit + e2e + php again
#   tests/run_all.sh --unit VARIANT    unit tests in build/VARIANT
#   tests/run_all.sh --fuzz            each fuzz target for $FUZZ_TIME seconds
#   tests/run_all.sh --e2e VARIANT [pytest args]   (tests/e2e/FILE[::TEST] args: only those)
#                                      end-to-end tests against $DBSYNCD
#
# Every suite prints "<suite>: N passed, N failed". The last line is the sum,
# "N passed, N failed". The exit status is non-zero if a test failed or a
# suite could not be built or run (that counts as one failure).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)

MAKE=${MAKE:-make}
PYTHON=/usr/bin/python3          # Debian's python, which has python3-pytest
FUZZ_TIME=${FUZZ_TIME:-20}
RESULTS=$ROOT/build/test-results
mkdir -p "$RESULTS"

TOTAL_PASSED=0
TOTAL_FAILED=0

record() {  # suite passed failed [note]
    echo "$1: $2 passed, $3 failed${4:+ ($4)}"
    TOTAL_PASSED=$((TOTAL_PASSED + $2))
    TOTAL_FAILED=$((TOTAL_FAILED + $3))
}

make_jobs() {
    # Parallel builds unless make already runs us with a jobserver.
    case " ${MAKEFLAGS:-} " in
    *j*) echo "" ;;
    *) echo "-j$(nproc 2>/dev/null || echo 2)" ;;
    esac
}

# Sanitizer settings: stop at the first report, and fail the process.
sanitizer_env() {
    export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:exitcode=86:strict_string_checks=1"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87"
    export LSAN_OPTIONS="exitcode=88"
}

# --- suites ------------------------------------------------------------------

run_unit() {  # variant
    local variant=$1 suite="unit-$1" bin="build/$1/tests/unit_tests"
    local json="$RESULTS/$suite.json" log="$RESULTS/$suite.log"
    if [ ! -x "$bin" ]; then
        record "$suite" 0 1 "not built: $bin"
        return
    fi
    rm -f "$json"
    echo "== $suite ($bin)"
    "$bin" --gtest_brief=1 --gtest_output="json:$json" >"$log" 2>&1
    local rc=$?
    cat "$log"
    local counts
    counts=$("$PYTHON" - "$json" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    print("-1 -1")
    sys.exit(0)
failed = d.get("failures", 0) + d.get("errors", 0)
passed = d.get("tests", 0) - failed - d.get("disabled", 0)
print(passed, failed)
EOF
    )
    local passed=${counts% *} failed=${counts#* }
    if [ "$passed" = -1 ]; then
        # Crashed before writing its report: count what finished.
        passed=$(grep -c '^\[       OK \]' "$log")
        record "$suite" "$passed" 1 "exit status $rc before the report was written"
        return
    fi
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        record "$suite" "$passed" 1 "exit status $rc"
        return
    fi
    record "$suite" "$passed" "$failed"
}

run_fuzz() {
    local passed=0 failed=0 target bin
    for src in tests/fuzz/fuzz_*.cpp; do
        target=$(basename "$src" .cpp)
        target=${target#fuzz_}
        bin="build/fuzz/fuzz_$target"
        if [ ! -x "$bin" ]; then
            echo "fuzz $target: not built ($bin)"
            failed=$((failed + 1))
            continue
        fi
        # New inputs go to a scratch directory; the committed corpus is only read.
        local scratch="build/fuzz/corpus-$target" dict=()
        mkdir -p "$scratch"
        [ -f "tests/fuzz/$target.dict" ] && dict=(-dict="tests/fuzz/$target.dict")
        echo "== fuzz $target (${FUZZ_TIME}s)"
        if "$bin" -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
            -artifact_prefix="build/fuzz/crash-$target-" \
            "$scratch" "tests/fuzz/corpus/$target" >"$RESULTS/fuzz-$target.log" 2>&1; then
            tail -n 3 "$RESULTS/fuzz-$target.log" | sed 's/^/  /'
            passed=$((passed + 1))
        else
            tail -n 40 "$RESULTS/fuzz-$target.log"
            echo "fuzz $target: FAILED (reproduce: $bin build/fuzz/crash-$target-*)"
            failed=$((failed + 1))
        fi
    done
    record fuzz "$passed" "$failed"
}

run_e2e() {  # variant daemon [pytest args...]
    local variant=$1 suite="e2e-$1"
    export DBSYNCD=$2
    shift 2
    local xml="$RESULTS/$suite.xml"
    if [ ! -x "$DBSYNCD" ]; then
        record "$suite" 0 1 "no daemon at $DBSYNCD"
        return
    fi
    rm -f "$xml"
    echo "== $suite (DBSYNCD=$DBSYNCD)"
    local par=()
    if "$PYTHON" -c 'import xdist' 2>/dev/null; then par=(-n 2); fi
    # Test files or node ids among the arguments narrow the run to them.
    local where=(tests/e2e)
    for a in "$@"; do
        case $a in tests/e2e/*) where=() ;; esac
    done
    "$PYTHON" -m pytest "${where[@]}" -q -rfE -p no:cacheprovider "${par[@]}" --junitxml="$xml" "$@"
    local rc=$?
    local counts
    counts=$("$PYTHON" - "$xml" <<'EOF'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("-1 -1 0")
    sys.exit(0)
# Count test cases, not failure records: a test that fails and then errors
# at teardown is one failed test.
outcome = {}
for case in root.iter("testcase"):
    name = case.get("classname", "") + "::" + case.get("name", "")
    if case.find("failure") is not None or case.find("error") is not None:
        outcome[name] = "failed"
    elif case.find("skipped") is not None:
        outcome.setdefault(name, "skipped")
    else:
        outcome.setdefault(name, "passed")
tests = len(outcome)
failed = sum(1 for v in outcome.values() if v == "failed")
skipped = sum(1 for v in outcome.values() if v == "skipped")
# Skipped tests (a skipif with its reason) are neither; the suite line shows them.
print(tests - failed - skipped, failed, skipped)
EOF
    )
    local passed failed skipped note=""
    read -r passed failed skipped <<<"$counts"
    [ "$skipped" != 0 ] && note="$skipped skipped"
    if [ "$passed" = -1 ]; then
        record "$suite" 0 1 "pytest exit status $rc, no report"
    elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        record "$suite" "$passed" 1 "pytest exit status $rc"
    else
        record "$suite" "$passed" "$failed" "$note"
    fi
}

run_php() {  # suite make-args...: the .phpt suite, counted from its summary line
    local suite=$1
    shift
    if ! $MAKE -n test-php >/dev/null 2>&1; then
        echo "$suite: no test-php target yet, not run"
        return
    fi
    echo "== $suite"
    $MAKE --no-print-directory "$@" test-php 2>&1 | tee "$RESULTS/$suite.log"
    local line
    line=$(grep -E '^php: [0-9]+ passed, [0-9]+ failed' "$RESULTS/$suite.log" | tail -n 1)
    if [ -z "$line" ]; then
        record "$suite" 0 1 "no 'php: N passed, N failed' line"
        return
    fi
    local passed failed
    passed=$(echo "$line" | sed -E 's/^php: ([0-9]+) passed.*/\1/')
    failed=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    # The line was already printed by test-php; add it to the totals.
    TOTAL_PASSED=$((TOTAL_PASSED + passed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
}

build() {  # name make-args...
    local name=$1
    shift
    echo "== build $name: $MAKE $*"
    if $MAKE --no-print-directory $(make_jobs) "$@" >"$RESULTS/build-$name.log" 2>&1; then
        return 0
    fi
    tail -n 60 "$RESULTS/build-$name.log"
    record "build-$name" 0 1 "see build/test-results/build-$name.log"
    return 1
}

finish() {
    echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
    [ "$TOTAL_FAILED" -eq 0 ]
    exit
}

# --- entry points ------------------------------------------------------------

case "${1:-}" in
--unit)
    [ "${2:-}" = asan ] && sanitizer_env
    run_unit "${2:-release}"
    finish
    ;;
--fuzz)
    run_fuzz
    finish
    ;;
--e2e)
    variant=${2:-release}
    shift 2 2>/dev/null || shift
    [ "$variant" = asan ] && sanitizer_env
    run_e2e "$variant" "${DBSYNCD:-daemon/dbsyncd}" "$@"
    finish
    ;;
"") ;;
*)
    echo "usage: $0 [--unit VARIANT | --fuzz | --e2e VARIANT [pytest args]]" >&2
    exit 2
    ;;
esac

start=$(date +%s)
if ! bash tools/install-deps.sh; then
    record deps 0 1 "tools/install-deps.sh failed"
fi

# Release build: daemon/dbsyncd, the PHP extension, unit tests, fuzz targets.
# If `all` fails (say, the PHP extension), the daemon and unit tests are
# still built and tested; the failed build counts as one failure.
if ! build release all build/release/tests/unit_tests; then
    build release-core daemon/dbsyncd build/release/tests/unit_tests
fi
run_unit release
if build fuzz fuzz-targets; then
    run_fuzz
else
    record fuzz 0 1 "build failed"
fi
run_e2e release daemon/dbsyncd
run_php php

# Sanitized build: the daemon and the unit tests with ASan + UBSan; any
# report fails the process that made it (the e2e fixtures also scan the
# daemon's sanitizer logs at teardown).
if build asan SANITIZE=1 build/asan/dbsyncd build/asan/dbsync-check build/asan/tests/unit_tests; then
    sanitizer_env
    run_unit asan
    run_e2e asan build/asan/dbsyncd
    # The extension too (it holds the client core): built in php-ext/ with
    # ASan + UBSan, run with the runtime preloaded (tests/php/run.sh). PHP
    # itself leaks by design at exit: run.sh turns leak checks off.
    run_php php-asan SANITIZE=1
    unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
    # Leave the optimised extension in php-ext/modules/ as `make` would.
    build release-php-ext php-ext >/dev/null || true
else
    record unit-asan 0 1 "build failed"
    record e2e-asan 0 1 "build failed"
fi

echo "make test took $(($(date +%s) - start))s"
finish
