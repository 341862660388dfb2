#!/usr/bin/env python3
"""BitLens built against this PyTorch's LibTorch (scripts/gpu_check.sh), checked against PyTorch's
own figures: every zoo model's loss (tests/data/zoo/references.json, relative 1e-5), and a Hessian
analysis of every language model exported with its default (sdpa) attention, whose double
back-propagation LibTorch 2.x's fused attention kernels cannot do; with --cuda, every loss again
with --device cuda (relative 1e-4) and those Hessians' top eigenvalues on the GPU (relative 1e-2;
in bf16, 5e-2). Prints one line per check and exits non-zero when any failed.

  python3 tests/support/gpu_check.py BUILD/app/cli/bitlens-cli [--cuda]
"""
import json
import os
import subprocess
import sys
import tempfile

ZOO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "zoo")


def cli(binary, *args):
    r = subprocess.run([binary, *args, "--json", "--quiet"], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}")
    return json.loads(r.stdout)


def main():
    binary = sys.argv[1]
    refs = json.load(open(os.path.join(ZOO, "references.json")))
    cuda = "--cuda" in sys.argv[2:]
    failures = 0
    for name, ref in refs["models"].items():
        lm = ref["task"] == "language-model"
        data = ["--data", os.path.join(ZOO, "tokens.h5" if lm else "images.h5")]
        if lm:
            data += ["--context", str(refs["context"])]
        model = os.path.join(ZOO, name + ".pt")
        checks = [("loss", lambda: cli(binary, "eval", model, *data)["loss"])]
        if cuda:
            checks.append(("cuda", lambda: cli(binary, "eval", model, *data, "--device", "cuda")["loss"]))
        if lm and ref.get("attention") == "sdpa":
            def hessian(*device):
                with tempfile.TemporaryDirectory() as d:
                    out = cli(binary, "analyze", model, *data, "--hessian", "--calib", "4", "--hessian-samples", "4",
                              "--hessian-batches", "1", "--layers", ".*(q_proj|c_attn|query_key_value|qkv_proj|query).*",
                              "--out", os.path.join(d, "b.h5"), *device)
                    layers = [l for l in out["hessian"]["layers"] if l["analysed"]]
                    if not layers or any(l["trace"] is None or not l["top_eigenvalues"] for l in layers):
                        raise RuntimeError(f"layers {layers}")
                    return [l["top_eigenvalues"][0] for l in layers]
            on_cpu = {}
            def hessian_cpu():
                on_cpu["top"] = hessian()
                return on_cpu["top"]
            checks.append(("hessian", hessian_cpu))
            if cuda:
                # The same products on the GPU: every layer's top eigenvalue (its Lanczos stops at a
                # relative residual of 1e-3) as on the CPU within 1 %.
                def hessian_cuda():
                    top = hessian("--device", "cuda")
                    if "top" not in on_cpu or len(top) != len(on_cpu["top"]) or any(
                            abs(a - b) > 1e-2 * abs(b) for a, b in zip(top, on_cpu["top"])):
                        raise RuntimeError(f"top eigenvalues {top} on CUDA vs {on_cpu.get('top')} on the CPU")
                    return top
                checks.append(("hessian-cuda", hessian_cuda))

                # bf16 products (autocast) against fp32's: top eigenvalues within 5 %.
                def hessian_bf16():
                    top = hessian("--device", "cuda", "--precision", "bf16")
                    if "top" not in on_cpu or len(top) != len(on_cpu["top"]) or any(
                            abs(a - b) > 5e-2 * abs(b) for a, b in zip(top, on_cpu["top"])):
                        raise RuntimeError(f"top eigenvalues {top} in bf16 vs {on_cpu.get('top')} in fp32")
                    return top
                checks.append(("hessian-bf16", hessian_bf16))
        for what, run in checks:
            try:
                value = run()
                # On the GPU, float32 reductions run in another order: 1e-4.
                tolerance = {"loss": 1e-5, "cuda": 1e-4}.get(what)
                ok = tolerance is None or abs(value - ref["loss"]) <= tolerance * abs(ref["loss"])
                detail = f"{value:.8f} vs PyTorch {ref['loss']:.8f}" if tolerance else f"{len(value)} layers' top eigenvalues"
            except Exception as e:  # noqa: BLE001 - report and go on
                ok, detail = False, str(e)
            failures += 0 if ok else 1
            print(f"{'ok  ' if ok else 'FAIL'} {name:16s} {what:8s} {detail}", flush=True)
    print(f"{failures} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
