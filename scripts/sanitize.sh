#!/usr/bin/env bash
# Builds core, bitlens-cli and the core suites with AddressSanitizer + UndefinedBehaviorSanitizer
# (Clang, build-sanitize/, shared with scripts/fuzz.sh) and runs the suites under them; any
# sanitizer report fails its suite. Headless: the GUI suites stay with the regular build.
# usage: scripts/sanitize.sh [ci|all]   ci (default): the suites CI runs; all: every core suite
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/sanitized_build.sh

# CI's share, picked by their sanitized run times (README "Reliability"): the readers of files a
# user brings, plans, allocators, the graph, the model loader and the quantizers.
CI_SUITES=(tst_reliability tst_datasets tst_compression_plan tst_session_state tst_memory_cost
           tst_allocators tst_power_law tst_model_loading tst_model_graph tst_quantizers)
# The rest of the core suites, for `all` (README "Reliability" has their times): LibTorch-heavy
# evaluation, export, Hessian and end-to-end CLI runs, 2-3 times slower under the sanitizers.
MORE_SUITES=(tst_safetensors tst_evaluation tst_cli tst_plan_evaluation tst_export tst_analysis
             tst_quant_methods tst_hessian tst_transformer_hessian tst_sensitivity tst_zoo tst_language_model)

suites=("${CI_SUITES[@]}")
targets=("${CI_SUITES[@]}")
if [ "${1:-ci}" = all ]; then
  suites+=("${MORE_SUITES[@]}")
  targets+=(bitlens-cli "${MORE_SUITES[@]}") # some of them run the CLI
fi
build_sanitized "${targets[@]}"
pattern="^($(IFS='|'; echo "${suites[*]}"))\$"
ctest --test-dir "$SANITIZED_BUILD" -R "$pattern" --output-on-failure -j "$(nproc)"
