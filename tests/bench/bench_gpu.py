#!/usr/bin/env python3
"""GPU benchmark, BitLens beside PyTorch eager on the same GPU in one run (the device machine:
PyTorch 2.x with CUDA, transformers; BitLens built by scripts/gpu_check.sh). A LLaMA-architecture
model with random weights made here (nothing can be downloaded): by default the 1.1 B one of issue
"BitLens on a GPU" (22 layers, hidden 2048, MLP 5632, GQA 32/4 heads, vocabulary 32,000), traced to
TorchScript with its default (sdpa) attention.

  python3 tests/bench/bench_gpu.py --cli BUILD/app/cli/bitlens-cli --work /tmp/gpu_bench

Prints per precision (fp32, bf16): PyTorch's forward seconds per batch of --batch x --context
tokens and BitLens's (bitlens-cli eval --device cuda), and tokens/s of each with the ratio; then
one Hessian-vector product of the whole model and of one layer by PyTorch (torch.autograd.grad
twice, the gradient graph kept), beside BitLens's mean seconds per product of a Hessian analysis
of that layer (bitlens-cli analyze --hessian --layers, fp32), which keeps each batch's graph too.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch


def make_model(work, layers, hidden, mlp, heads, kv_heads, vocab, context):
    import transformers
    path = os.path.join(work, "llama.pt")
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
    import export_torchscript as export
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(
        "llama", vocab_size=vocab, hidden_size=hidden, intermediate_size=mlp, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=kv_heads, max_position_embeddings=2 * context,
        use_cache=False)
    model = transformers.AutoModelForCausalLM.from_config(config).float().eval()
    export.export_hf(model, path, context, vocab)  # traced on the CPU, as a user's export would be
    return path, model


def write_tokens(work, vocab, windows, context):
    import h5py
    path = os.path.join(work, "tokens.h5")
    tokens = torch.randint(0, vocab, (windows * context + 1,), generator=torch.Generator().manual_seed(1))
    with h5py.File(path, "w") as f:
        for split in ("train", "test"):
            f.create_dataset(f"{split}/tokens", data=tokens.numpy())
    return path, tokens


def timed(fn, repeats):
    fn()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def pytorch_figures(model, tokens, batch, context, layer_name):
    """PyTorch 2.x eager on the GPU, the same weights: forward per batch (fp32, bf16), and one
    whole-model and one layer Hessian-vector product (fp32, attention on its math path: the fused
    kernels have no second derivative). A TorchScript trace made on the CPU does not run on CUDA in
    PyTorch itself (its baked constants stay on the CPU), so eager is the peer."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    windows = tokens[: batch * context + 1]
    x = windows[:-1].view(batch, context).cuda()
    y = windows[1:].view(batch, context).cuda()
    m = model.cuda()
    out = {}
    with torch.no_grad():
        out["forward_fp32"] = timed(lambda: m(x).logits, 5)
        with torch.autocast("cuda", dtype=torch.bfloat16):  # what BitLens's --precision bf16 does
            out["forward_bf16"] = timed(lambda: m(x).logits, 5)
        m.to(torch.bfloat16)  # the model cast to bf16 (a trace cannot be: its dtypes are baked in)
        out["forward_bf16_cast"] = timed(lambda: m(x).logits, 5)
    m.float()
    params = dict(m.named_parameters())
    weights = [p for p in params.values() if p.dim() >= 2]
    layer = params[layer_name + ".weight"]

    def gradient(wrt):
        loss = torch.nn.functional.cross_entropy(m(x).logits.float().reshape(-1, m.config.vocab_size), y.reshape(-1))
        return torch.autograd.grad(loss, wrt, create_graph=True)

    def hvp(grads, wrt, keep):
        v = [torch.randn_like(g) for g in grads]
        return torch.autograd.grad(sum((g * u).sum() for g, u in zip(grads, v)), wrt, retain_graph=keep)
    with sdpa_kernel(SDPBackend.MATH):
        # The whole model's product with its forward and gradient graph built anew (PyHessian's
        # way); one layer's from a kept gradient graph (BitLens's way).
        out["hvp_model_fp32"] = timed(lambda: hvp(gradient(weights), weights, False), 2)
        kept = gradient([layer])
        out["hvp_layer_fp32"] = timed(lambda: hvp(kept, [layer], True), 3)
        del kept
    out["peak_gib"] = torch.cuda.max_memory_allocated() / 2**30
    m.cpu()
    torch.cuda.empty_cache()
    return out


def bitlens_eval(cli, path, data, batch, context, precision, windows):
    r = subprocess.run([cli, "eval", path, "--data", data, "--context", str(context), "--batch", str(batch),
                        "--limit", str(windows), "--device", "cuda", "--precision", precision, "--json", "--quiet"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return {"error": r.stderr.strip()[-400:]}
    return json.loads(r.stdout)


# Batches of this many windows of the 1.1 B model do not fit 80 GiB (logits alone: 2048 x 512 x
# 32,000 floats = 134 GB): out of memory must be one sentence naming a batch that fits, and
# --batch auto must find one.
OOM_WINDOWS = 2048


def bitlens_memory(cli, path, data, context):
    base = [cli, "eval", path, "--data", data, "--context", str(context), "--limit", str(OOM_WINDOWS), "--device", "cuda"]
    r = subprocess.run(base + ["--batch", str(OOM_WINDOWS), "--quiet"], capture_output=True, text=True)
    print(f"--batch {OOM_WINDOWS}: exit {r.returncode}, says: {r.stderr.strip()[-300:]}", flush=True)
    start = time.perf_counter()
    r = subprocess.run(base + ["--batch", "auto", "--precision", "bf16", "--json", "--quiet"], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"--batch auto failed: {r.stderr.strip()[-300:]}", flush=True)
        return
    j = json.loads(r.stdout)
    print(f"--batch auto (bf16): ran with batches of {j['batch']} windows, {j['samples']} windows in "
          f"{time.perf_counter() - start:.1f} s (the process), loss {j['loss']:.4f}", flush=True)


def bitlens_hessian(cli, path, data, batch, context, layer):
    r = subprocess.run([cli, "analyze", path, "--data", data, "--context", str(context), "--hessian",
                        "--calib", str(batch), "--hessian-samples", str(batch), "--hessian-batches", "1",
                        "--top-k", "1", "--layers", layer.replace(".", "\\."), "--device", "cuda",
                        "--out", "/tmp/bench_gpu_bundle.h5", "--json", "--quiet"], capture_output=True, text=True)
    if r.returncode != 0:
        return {"error": f"exit {r.returncode}: {r.stderr.strip()[-400:]}"}
    return json.loads(r.stdout)["hessian"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", default="/tmp/gpu_bench")
    ap.add_argument("--layers", type=int, default=22)
    ap.add_argument("--hidden", type=int, default=2048)
    ap.add_argument("--mlp", type=int, default=5632)
    ap.add_argument("--heads", type=int, default=32)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--batch", type=int, default=None,
                    help="windows per batch (default 8 as in the issue's H200 anchors; 4 on a GPU under 100 GiB, "
                         "where PyTorch's own layer HVP at 8 x 512 runs out of memory)")
    ap.add_argument("--context", type=int, default=512)
    ap.add_argument("--windows", type=int, default=256)
    ap.add_argument("--parts", default="eval,memory,hvp",
                    help="comma-separated: eval (throughput), memory (out of memory, --batch auto), hvp")
    args = ap.parse_args()
    if args.batch is None:
        args.batch = 8 if torch.cuda.get_device_properties(0).total_memory >= 100 * 2**30 else 4
    os.makedirs(args.work, exist_ok=True)
    print(f"bench_gpu: {torch.cuda.get_device_name()}, PyTorch {torch.__version__}, batches of {args.batch} x {args.context}", flush=True)
    start = time.perf_counter()
    path, model = make_model(args.work, args.layers, args.hidden, args.mlp, args.heads, args.kv_heads, args.vocab,
                             args.context)
    data, tokens = write_tokens(args.work, args.vocab, max(args.windows, OOM_WINDOWS), args.context)
    print(f"model {os.path.getsize(path) / 2**30:.2f} GiB TorchScript, made in {time.perf_counter() - start:.0f} s", flush=True)
    layer = "model.layers.0.mlp.down_proj"
    torch_figures = pytorch_figures(model, tokens, args.batch, args.context, layer)
    del model
    tokens_per_batch = args.batch * args.context
    parts = args.parts.split(",")
    for precision in ("fp32", "bf16") if "eval" in parts else ():
        # Two runs, 2 batches and --windows: the difference is the steady state, without the
        # fixed start (CUDA context, cuBLAS, the first batch), as PyTorch's warm-up call excludes it.
        short = bitlens_eval(args.cli, path, data, args.batch, args.context, precision, 2 * args.batch)
        b = bitlens_eval(args.cli, path, data, args.batch, args.context, precision, args.windows)
        t = torch_figures[f"forward_{precision}"]
        if "error" in b or "error" in short:
            print(f"{precision}: PyTorch forward {t:.4f} s per batch; BitLens failed: {b.get('error', short.get('error'))}", flush=True)
            continue
        ours = (args.windows - 2 * args.batch) * args.context / (b["seconds"] - short["seconds"])
        if precision == "bf16":
            print(f"bf16: PyTorch eager with the model cast to bf16: {torch_figures['forward_bf16_cast']:.4f} s per batch "
                  f"= {tokens_per_batch / torch_figures['forward_bf16_cast']:,.0f} tokens/s", flush=True)
        print(f"{precision}: batch {args.batch} x {args.context} tokens: PyTorch eager (no_grad{', autocast' if precision == 'bf16' else ''}) {t:.4f} s per batch "
              f"= {tokens_per_batch / t:,.0f} tokens/s; BitLens eval {b['samples']} windows {b['seconds']:.2f} s "
              f"({b['tokens_per_second']:,.0f} tokens/s with its start), {2 * args.batch} windows {short['seconds']:.2f} s: "
              f"beyond the first 2 batches {ours:,.0f} tokens/s ({100 * ours / (tokens_per_batch / t):.0f} %), "
              f"loss {b['loss']:.4f}", flush=True)
    if "memory" in parts:
        bitlens_memory(args.cli, path, data, args.context)
    if "hvp" not in parts:
        return
    print(f"HVP fp32, PyTorch: whole model {torch_figures['hvp_model_fp32']:.3f} s, layer {layer} "
          f"{torch_figures['hvp_layer_fp32']:.3f} s (the whole model's with its graph built anew, the layer's from a kept graph); peak {torch_figures['peak_gib']:.1f} GiB",
          flush=True)
    h = bitlens_hessian(args.cli, path, data, args.batch, args.context, layer)
    if "error" in h:
        print(f"BitLens Hessian failed: {h['error']}", flush=True)
    else:
        products = h["layer_hvps"] + h["model_hvps"]
        lh = [l for l in h["layers"] if l["analysed"]][0]
        print(f"BitLens Hessian of {layer} (fp32, {args.batch} x {args.context} tokens, graph kept): {h['layer_hvps']} layer "
              f"+ {h['model_hvps']} whole-model HVPs in {h['seconds']:.1f} s = {h['seconds'] / max(products, 1):.3f} s per "
              f"product; λ1 {lh['top_eigenvalues'][0]:.4g}, trace {lh['trace']:.4g} ± {lh['trace_stderr']:.2g}", flush=True)


if __name__ == "__main__":
    main()
