#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (CTest; GUI suites offscreen),
# then the sanitized suites and the fuzz smoke.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
# As many suites at a time as cores: most spend their time in small models' ops that LibTorch
# keeps on one thread, or waiting on a child process, and each suite's LibTorch takes only the
# cores it finds idle (configureThreads), so two suites on two cores do not oversubscribe them.
ctest --test-dir build --output-on-failure -j "$(nproc)"
# Reliability (README "Reliability"): the core suites that suit a sanitized run under ASan + UBSan,
# then every fuzz target for 20 s on its corpus; both build into build-sanitize/ with Clang.
bash scripts/sanitize.sh ci
bash scripts/fuzz.sh all 20
