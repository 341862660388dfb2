#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (CTest; GUI suites offscreen).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
# One suite at a time: each uses every core through LibTorch's thread pool.
ctest --test-dir build --output-on-failure -j 1
