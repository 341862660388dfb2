#!/usr/bin/python3
"""Evaluates a TorchScript model with stock PyTorch on an IDX dataset's test split, independently of
BitLens (its own IDX reader, /255 scaling, batching), and prints one JSON object:
{"samples": N, "correct_top1": K, "loss_sum": S}. Used by tst_export to check that an exported
model reproduces, sample for sample, the accuracy BitLens reported."""
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    _, dtype, ndim = struct.unpack(">HBB", data[:4])
    if dtype != 0x08:
        raise SystemExit(f"{path}: only uint8 IDX files are supported here")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(folder, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    raise SystemExit(f"{folder}: no {stem}")


def main():
    model_path, folder = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    torch.set_num_threads(int(os.environ.get("BITLENS_THREADS", "2")))
    images = read_idx(find(folder, "t10k-images-idx3-ubyte"))
    labels = read_idx(find(folder, "t10k-labels-idx1-ubyte")).astype(np.int64)
    if limit:
        images, labels = images[:limit], labels[:limit]
    model = torch.jit.load(model_path, map_location="cpu").eval()
    correct, loss_sum = 0, 0.0
    with torch.no_grad():
        for start in range(0, len(labels), 500):
            x = torch.from_numpy(images[start:start + 500].astype(np.float32) / 255.0).unsqueeze(1)
            y = torch.from_numpy(labels[start:start + 500])
            logits = model(x)
            correct += int((logits.argmax(1) == y).sum())
            loss_sum += float(torch.nn.functional.cross_entropy(logits.double(), y, reduction="sum"))
    print(json.dumps({"samples": int(len(labels)), "correct_top1": correct, "loss_sum": loss_sum}))


if __name__ == "__main__":
    main()
