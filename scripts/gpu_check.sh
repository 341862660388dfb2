#!/usr/bin/env bash
# On a machine with PyTorch 2.x (with CUDA or without) and CMake, Ninja, HDF5, Eigen,
# nlohmann-json: builds core + bitlens-cli against that PyTorch's own LibTorch (no Qt needed) and
# checks them against PyTorch on the model zoo (tests/support/gpu_check.py). The build folder is
# $BUILD (build-libtorch2 by default). --bench then runs tests/bench/bench_gpu.py where CUDA is
# (a 1.1 B-parameter model beside PyTorch; ~6 minutes on an H200).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD:-build-libtorch2}"
prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBITLENS_BUILD_GUI=OFF -DBITLENS_BUILD_TESTS=OFF \
  -DBITLENS_LIBTORCH="$prefix"
cmake --build "$build" -j"$(nproc)"
cuda=$(python3 -c 'import torch; print("--cuda" if torch.cuda.is_available() else "")')
python3 tests/support/gpu_check.py "$build/app/cli/bitlens-cli" $cuda
if [ -n "$cuda" ] && [ "${1:-}" = "--bench" ]; then
  python3 tests/bench/bench_gpu.py --cli "$build/app/cli/bitlens-cli"
fi
