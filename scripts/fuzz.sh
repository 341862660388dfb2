#!/usr/bin/env bash
# Builds the libFuzzer targets (build-sanitize/, scripts/sanitized_build.sh) and runs each on its
# committed corpus (tests/fuzz/corpus/TARGET), as many at a time as cores. New inputs go to
# build-sanitize/fuzz-corpus/TARGET, crashes to build-sanitize/fuzz-crashes/TARGET-*; a crash,
# leak, sanitizer report or hang fails the script. An input may take 60 s (HDF5 reads give up at
# 30 s, core/io/hdf5_probe.h) and 4 GB (libhdf5 allocates what a damaged heap claims: 2.1 GB seen).
# usage: scripts/fuzz.sh [TARGET|all] [SECONDS per target, default 20]
#        BITLENS_FUZZ_JOBS=N: targets at a time (default: the cores)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/sanitized_build.sh
which="${1:-all}"
seconds="${2:-20}"
if [ "$which" = all ]; then
  targets=$(ls tests/fuzz/corpus)
else
  targets="$which"
fi
build_sanitized $targets
mkdir -p "$SANITIZED_BUILD/fuzz-crashes" "$SANITIZED_BUILD/fuzz-logs"

run_one() {
  local t=$1 seconds=$2 build=$3
  mkdir -p "$build/fuzz-corpus/$t"
  if "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
       -artifact_prefix="$build/fuzz-crashes/$t-" "$build/fuzz-corpus/$t" "tests/fuzz/corpus/$t" \
       > "$build/fuzz-logs/$t.log" 2>&1; then
    result=ok
  else
    result=FAILED
  fi
  local runs rate
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz-logs/$t.log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$build/fuzz-logs/$t.log")
  printf '%-22s %12s runs %8s/s  %s\n' "$t" "${runs:-?}" "${rate:-?}" "$result"
  [ "$result" = ok ] || { tail -40 "$build/fuzz-logs/$t.log"; return 1; }
}
export -f run_one
jobs="${BITLENS_FUZZ_JOBS:-$(nproc)}"
echo "fuzz: $jobs at a time, ${seconds} s each, on $(lscpu | sed -n 's/^Model name: *//p')"
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'run_one {} '"$seconds $SANITIZED_BUILD"
