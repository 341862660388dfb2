#!/bin/bash
# The knapsack over {bits x method} against the knapsack over bits alone at 3 average bits on
# fortunes_lm: measured ΔLoss cost tables (128 calibration windows) with and without GPTQ
# candidates, each plan then evaluated on the held-out text. Prints both plans' perplexity.
#   tests/bench/bench_method_knapsack.sh [BUILD_DIR]   (default: build)
set -euo pipefail
build=${1:-build}
cli="$build/app/cli/bitlens-cli"
model=resources/models/fortunes_lm.pt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "bench_method_knapsack: $(nproc) cores"
rtn=w2:group64,w3:group64,w4:group64,w8
gptq=w2:group64:gptq,w3:group64:gptq,w4:group64:gptq
for set in bits methods; do
  candidates=$rtn
  [ "$set" = methods ] && candidates=$rtn,$gptq
  start=$(date +%s)
  "$cli" analyze "$model" --sensitivity --estimators measured --calib 128 --quiet --candidates "$candidates" \
    --out "$work/$set.h5" > /dev/null
  "$cli" allocate --bundle "$work/$set.h5" --budget 3bits --estimator measured --out "$work/$set.json" > /dev/null
  "$cli" eval "$model" --plan "$work/$set.json" --quiet --json > "$work/$set.eval.json"
  /usr/bin/python3 - "$set" "$work/$set.json" "$work/$set.eval.json" "$(( $(date +%s) - start ))" <<'PY'
import collections, json, sys
name, plan, result, seconds = sys.argv[1:]
r = json.load(open(result))
chosen = collections.Counter()
for layer in json.load(open(plan))["layers"].values():
    w = layer.get("weight", {})
    chosen[f"w{w.get('bits')}:{w.get('method', 'rtn')}"] += 1
print(f"knapsack over {name:8s}: perplexity {r['perplexity']:.4f} at {r['average_bits']:.3f} bits/weight "
      f"({r['bytes']} bytes); layers {dict(sorted(chosen.items()))}; {seconds} s")
PY
done
"$cli" eval "$model" --quiet --json | /usr/bin/python3 -c "import json,sys; print(f\"FP32 perplexity {json.load(sys.stdin)['perplexity']:.4f}\")"
