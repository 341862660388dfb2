#!/usr/bin/python3
"""Trains BitLens's demo language model on Debian's fortunes and writes TorchScript + a JSON sidecar.

    /usr/bin/python3 resources/models/train_charlm.py --out resources/models

Needs only Debian's python3-torch and the `fortunes` + `fortunes-min` packages. Seeded.

A byte-level decoder-only transformer: pre-LayerNorm blocks with multi-head causal attention whose
Q, K, V and output projections are separate Linear layers, and a GELU MLP; the token embedding and
the output head are compressible too. forward() takes int64 byte tokens [N, T] and returns logits
[N, T, 256].

The corpus is read exactly as BitLens reads a folder of text: the regular files of the folder
(symlinks and files holding a NUL byte skipped) in name order; of each file the first 90 % of its
bytes go to the training split, the rest to the validation split. A split is cut into windows of
T + 1 tokens with stride T (the inputs are the first T, the targets the last T). The sidecar's
validation figures are the mean next-token cross-entropy over every window of the validation split.
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CORPUS = "/usr/share/games/fortunes"
VOCAB = 256


def read_folder_splits(folder, train_fraction=0.9):
    train, valid = bytearray(), bytearray()
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        if b"\0" in data:
            continue
        cut = int(len(data) * train_fraction)
        train += data[:cut]
        valid += data[cut:]
    if not train:
        raise SystemExit(f"{folder}: no text files (install Debian's fortunes and fortunes-min)")
    return torch.frombuffer(train, dtype=torch.uint8).long(), torch.frombuffer(valid, dtype=torch.uint8).long()


def windows(tokens, context):
    count = (tokens.numel() - 1) // context
    idx = torch.arange(count)[:, None] * context + torch.arange(context + 1)[None, :]
    return tokens[idx]


class CausalSelfAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.o = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, c = x.shape
        hd = c // self.heads
        q = self.q(x).view(b, t, self.heads, hd).transpose(1, 2)
        k = self.k(x).view(b, t, self.heads, hd).transpose(1, 2)
        v = self.v(x).view(b, t, self.heads, hd).transpose(1, 2)
        att = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(hd)
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(b, t, c)
        return self.o(y)


class Mlp(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, 4 * dim)
        self.proj = nn.Linear(4 * dim, dim)

    def forward(self, x):
        return self.proj(F.gelu(self.fc(x)))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class ByteTransformer(nn.Module):
    def __init__(self, dim, layers, heads, context):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, dim)
        self.pos = nn.Parameter(torch.zeros(context, dim))
        self.blocks = nn.Sequential(*[Block(dim, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, VOCAB, bias=False)
        nn.init.normal_(self.pos, std=0.02)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
                if isinstance(m, nn.Linear) and m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, tokens):
        t = tokens.shape[1]
        x = self.tok(tokens) + self.pos[:t]
        return self.head(self.ln_f(self.blocks(x)))


@torch.no_grad()
def evaluate(model, data, batch=64):
    model.eval()
    loss_sum, correct, count = 0.0, 0, 0
    for i in range(0, data.shape[0], batch):
        w = data[i:i + batch]
        logits = model(w[:, :-1])
        target = w[:, 1:]
        loss_sum += F.cross_entropy(logits.reshape(-1, VOCAB), target.reshape(-1), reduction="sum").double().item()
        correct += int((logits.argmax(-1) == target).sum())
        count += target.numel()
    return loss_sum / count, correct, count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--context", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(args.seed)
    train_tokens, valid_tokens = read_folder_splits(args.corpus)
    train, valid = windows(train_tokens, args.context), windows(valid_tokens, args.context)
    print(f"corpus: {train_tokens.numel()} training bytes, {valid_tokens.numel()} validation bytes; "
          f"{train.shape[0]} / {valid.shape[0]} windows", flush=True)

    model = ByteTransformer(args.dim, args.layers, args.heads, args.context)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    warmup = max(1, args.steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / args.steps))))

    # Random windows at any offset of the training bytes, not only the stride-T grid.
    max_start = train_tokens.numel() - args.context - 1
    offsets = torch.arange(args.context + 1)
    start = time.time()
    for step in range(args.steps):
        model.train()
        starts = torch.randint(0, max_start + 1, (args.batch,), generator=gen)
        w = train_tokens[starts[:, None] + offsets[None, :]]
        logits = model(w[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), w[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if (step + 1) % 250 == 0 or step + 1 == args.steps:
            vloss, _, _ = evaluate(model, valid[:256])
            print(f"step {step + 1}/{args.steps}: train loss {loss.item():.3f}, validation loss (256 windows) "
                  f"{vloss:.3f} ({time.time() - start:.0f} s)", flush=True)
    train_seconds = time.time() - start

    model.eval()
    scripted = torch.jit.script(model)
    vloss, correct, count = evaluate(scripted, valid)
    print(f"validation: loss {vloss:.4f}, perplexity {math.exp(vloss):.3f}, next-byte accuracy "
          f"{correct / count:.4f} over {count} tokens", flush=True)
    write_model(scripted, model, args, vloss, correct, count, valid.shape[0], train_seconds)


def write_model(scripted, model, args, vloss, correct, count, windows_count, train_seconds):
    """Saves fortunes_lm.pt and its sidecar, each through a temporary file and a rename."""
    name = "fortunes_lm"
    os.makedirs(args.out, exist_ok=True)
    pt = os.path.join(args.out, name + ".pt")
    scripted.save(pt + ".tmp")
    os.replace(pt + ".tmp", pt)
    sidecar = {
        "name": name,
        "model_file": name + ".pt",
        "architecture": f"ByteTransformer ({args.layers} pre-LN blocks, width {args.dim}, {args.heads} heads, "
                        f"GELU MLP x4)",
        "parameters": sum(p.numel() for p in model.parameters()),
        "task": "language-model",
        "input_shape": [args.context],
        "input_scaling": "int64 byte tokens N x T (T <= context); returns logits N x T x 256",
        "dataset": args.corpus,
        # What installs the default corpus, so BitLens can say how to get it when it is missing.
        "dataset_packages": ["fortunes", "fortunes-min"] if args.corpus == CORPUS else [],
        "validation_windows": windows_count,
        "validation_tokens": count,
        "validation_loss": vloss,
        "validation_perplexity": math.exp(vloss),
        "validation_correct": correct,
        "validation_accuracy": correct / count,
        "recipe": {
            "command": f"/usr/bin/python3 resources/models/train_charlm.py --steps {args.steps} --seed {args.seed} "
                       f"--threads {args.threads}",
            "steps": args.steps, "batch_size": args.batch, "context": args.context,
            "optimizer": "AdamW betas (0.9, 0.95), weight decay 0.1 on matrices", "max_lr": args.lr,
            "schedule": "linear warm-up 5 %, cosine", "gradient_clip": 1.0,
            "seed": args.seed, "threads": args.threads, "torch_version": torch.__version__,
            "train_seconds": round(train_seconds, 1),
        },
    }
    js = os.path.join(args.out, name + ".json")
    with open(js + ".tmp", "w") as f:
        json.dump(sidecar, f, indent=2)
        f.write("\n")
    os.replace(js + ".tmp", js)
    print(f"wrote {pt} and {js}")


if __name__ == "__main__":
    main()
