#!/usr/bin/env bash
# Builds and runs the benchmarks. --resnet18 first trains torchvision's ResNet-18 on
# Fashion-MNIST (about 7 minutes on 2 cores) into ~/.cache/bitlens, unless it is there already.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cmake --build build --target benchmarks -j "$(nproc)"
# The benchmarks run as bitlens and bitlens-cli do (core/runtime.h): idle OpenMP threads sleep.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
if [ "${1:-}" = "--resnet18" ] && [ ! -f "$HOME/.cache/bitlens/resnet18_fmnist.pt" ]; then
  /usr/bin/python3 resources/models/train_resnet18.py
fi
build/tests/bench/bench_model_load
build/tests/bench/bench_eval
build/tests/bench/bench_lm_eval
build/tests/bench/bench_apply
build/tests/bench/bench_analysis
build/tests/bench/bench_weight_only   # writes a 1 B-parameter bf16 checkpoint (~2 GB) to the temp folder
build/tests/bench/bench_hessian   # with the PyHessian-style reference: about 10 minutes
build/tests/bench/bench_allocators
build/tests/bench/bench_allocation_accuracy
build/tests/bench/bench_preview
build/tests/bench/bench_gui_stall   # offscreen: the GUI thread's longest stall, 3 runs of load + analysis
build/tests/bench/bench_busy_machine   # an analysis alone and beside a stock-PyTorch process (~4 min)
