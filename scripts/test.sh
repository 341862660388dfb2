#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (CTest; GUI suites offscreen).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
# As many suites at a time as cores: most spend their time in small models' ops that LibTorch
# keeps on one thread, or waiting on a child process, and each suite's LibTorch takes only the
# cores it finds idle (configureThreads), so two suites on two cores do not oversubscribe them.
ctest --test-dir build --output-on-failure -j "$(nproc)"
# The sanitized suites and the fuzz smoke (scripts/sanitize.sh ci, scripts/fuzz.sh all 20) are not
# run here yet: on the 2-core CI machine they took the clean-clone run from 24 to 34 minutes, past
# its 30 (README "Reliability").
