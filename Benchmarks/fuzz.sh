#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader (issue 15): builds Benchmarks/Fuzz with libFuzzer and
# AddressSanitizer, then runs each target for SECONDS (default 60) on its committed seeds.
#
#   Benchmarks/fuzz.sh [SECONDS] [TARGET ...]      e.g. Benchmarks/fuzz.sh 600, Benchmarks/fuzz.sh 20 npy mtx
#
# New inputs go to Benchmarks/Fuzz/.build/fuzz/corpus/<target> (not committed), crashes to
# Benchmarks/Fuzz/.build/fuzz/artifacts/<target>/, libFuzzer's log to .../logs/<target>.log.
# Prints one row per target (seconds, executions, executions per second, result) and exits 1
# when any target found a crash, a leak, a timeout (10 s per input) or ran out of memory (2 GiB).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
all=(edgelist mtx npy npz labels hyperedges hgb hgbzip embeddings checkpoint cache gzip ogb)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
case "$seconds" in ''|*[!0-9]*) echo "usage: Benchmarks/fuzz.sh [SECONDS] [TARGET ...] (targets: ${all[*]})" >&2; exit 64;; esac

# SwiftPM passes --sanitize=fuzzer and --sanitize=address to swiftc as two -sanitize= flags and
# the driver keeps only the last, so every module would get either ASan or libFuzzer's coverage:
# -Xswiftc -sanitize=fuzzer,address (after SwiftPM's flags) gives every module both.
# --disable-dead-strip: with --gc-sections the linker would drop the coverage counters.
swift build -c release --sanitize=fuzzer --sanitize=address --disable-dead-strip --package-path Benchmarks/Fuzz \
    -Xswiftc -sanitize=fuzzer,address 2>&1 \
    | grep -v "Cannot export local symbol" >&2
bin=Benchmarks/Fuzz/.build/release/graphfuzz
work=Benchmarks/Fuzz/.build/fuzz
# The library writes the checkpoint and cache seeds; the other seeds are committed.
SWIFT_BACKTRACE=enable=no FUZZ_MAKE_SEEDS="$work/seeds" "$bin" >/dev/null

dictionary() {
    case "$1" in
        edgelist|labels|hyperedges|embeddings|gzip|ogb) echo edgelist;;
        mtx) echo mtx;;
        npy|npz) echo npy;;
        hgb|hgbzip) echo hgb;;
        checkpoint|cache) echo json;;
    esac
}

# Leaks inside Foundation and ZIPFoundation, not in the engine (see Benchmarks/lsan.supp).
export LSAN_OPTIONS="suppressions=$PWD/Benchmarks/lsan.supp:print_suppressions=0"
failed=0
printf '%-11s %8s %12s %10s  %s\n' target seconds executions "exec/s" result
for t in "${targets[@]}"; do
    if [[ ! " ${all[*]} " == *" $t "* ]]; then echo "fuzz.sh: unknown target '$t' (targets: ${all[*]})" >&2; exit 64; fi
    mkdir -p "$work/corpus/$t" "$work/artifacts/$t" "$work/logs" "$work/seeds/$t"
    log="$work/logs/$t.log"
    start=$(date +%s)
    status=0
    # SWIFT_BACKTRACE off: Swift's backtracer would hold the process on a crash.
    SWIFT_BACKTRACE=enable=no FUZZ_TARGET="$t" "$bin" "$work/corpus/$t" "Benchmarks/Fuzz/corpus/$t" "$work/seeds/$t" \
        -dict="Benchmarks/Fuzz/dict/$(dictionary "$t").dict" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/$t/" >"$log" 2>&1 || status=$?
    elapsed=$(( $(date +%s) - start ))
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    runs=${runs:-0}
    rate=$(( runs / (elapsed > 0 ? elapsed : 1) ))
    if [ "$status" -eq 0 ]; then result=ok; else
        result="FAILED (exit $status): $(ls "$work/artifacts/$t" | head -3 | tr '\n' ' ')see $log"
        failed=1
    fi
    printf '%-11s %8d %12d %10d  %s\n' "$t" "$elapsed" "$runs" "$rate" "$result"
done
exit $failed
