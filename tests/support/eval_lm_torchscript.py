#!/usr/bin/python3
"""Evaluates a TorchScript language model with stock PyTorch on the held-out part of a text folder,
independently of BitLens (its own reading of the folder, split and windows), and prints one JSON
object: {"windows": N, "tokens": T, "correct_top1": K, "loss_sum": S}. Used by tst_language_model
to check that an exported model reproduces, token for token, what BitLens reported.

    eval_lm_torchscript.py MODEL.pt FOLDER CONTEXT [LIMIT_WINDOWS]
"""
import json
import os
import sys

import torch


def held_out_bytes(folder):
    """The last 10 % of every regular text file, in name order (symlinks and binaries skipped)."""
    out = bytearray()
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        data = open(path, "rb").read()
        if b"\0" not in data:
            out += data[int(len(data) * 0.9):]
    return out


def main():
    model_path, folder, context = sys.argv[1], sys.argv[2], int(sys.argv[3])
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    torch.set_num_threads(int(os.environ.get("BITLENS_THREADS", "2")))
    tokens = torch.frombuffer(held_out_bytes(folder), dtype=torch.uint8).long()
    count = (tokens.numel() - 1) // context
    if limit:
        count = min(count, limit)
    model = torch.jit.load(model_path, map_location="cpu").eval()
    correct, loss_sum = 0, 0.0
    with torch.no_grad():
        for start in range(0, count, 64):
            n = min(64, count - start)
            idx = (start + torch.arange(n))[:, None] * context + torch.arange(context + 1)[None, :]
            w = tokens[idx]
            logits = model(w[:, :-1])
            target = w[:, 1:]
            correct += int((logits.argmax(-1) == target).sum())
            loss_sum += float(torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]).double(),
                                                                target.reshape(-1), reduction="sum"))
    print(json.dumps({"windows": count, "tokens": count * context, "correct_top1": correct, "loss_sum": loss_sum}))


if __name__ == "__main__":
    main()
