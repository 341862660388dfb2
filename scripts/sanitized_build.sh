#!/usr/bin/env bash
# Configures and builds build-sanitize/: Clang with AddressSanitizer + UndefinedBehaviorSanitizer and
# libFuzzer's coverage, headless (core, bitlens-cli, the core suites, tests/fuzz). Sourced by
# scripts/sanitize.sh and scripts/fuzz.sh, which share it: one build serves both.
# usage: build_sanitized TARGET...
SANITIZED_BUILD=build-sanitize
build_sanitized() {
  if [ ! -f "$SANITIZED_BUILD/CMakeCache.txt" ]; then
    CC=clang-14 CXX=clang++-14 cmake -S . -B "$SANITIZED_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DBITLENS_FUZZ=ON -DBITLENS_BUILD_GUI=OFF -DBITLENS_BUILD_TESTS=ON > /dev/null
  fi
  cmake --build "$SANITIZED_BUILD" -j "$(nproc)" --target "$@"
}
# Any sanitizer report fails the run. malloc may return null as glibc's does for an impossible size
# (C libraries such as HDF5 check for it); operator new still reports, so BitLens's own code
# cannot allocate what a file claims unchecked.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
