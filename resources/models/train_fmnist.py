#!/usr/bin/python3
"""Trains BitLens's demo models on Debian's Fashion-MNIST and writes TorchScript + a JSON sidecar.

    /usr/bin/python3 resources/models/train_fmnist.py --arch cnn    --out resources/models
    /usr/bin/python3 resources/models/train_fmnist.py --arch resnet --out resources/models

Needs only Debian's python3-torch and dataset-fashion-mnist. Seeded. The model normalises its own
input, so BitLens feeds it uint8 pixels scaled to [0, 1] with shape N x 1 x 28 x 28; the sidecar's
test figures are computed exactly that way, on the 10,000 test images.
"""
import argparse
import gzip
import json
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(prefix):
    x = read_idx(os.path.join(DATA_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(DATA_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(x.copy()).unsqueeze(1).float().div_(255.0)
    return x, torch.from_numpy(y.astype(np.int64))


class Normalize(nn.Module):
    def __init__(self):
        super().__init__()
        self.mean = MEAN
        self.std = STD

    def forward(self, x):
        return (x - self.mean) / self.std


class SmallCNN(nn.Module):
    """Two conv blocks with BatchNorm and a two-layer classifier: 4 compressible layers."""

    def __init__(self):
        super().__init__()
        self.norm = Normalize()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
                                        nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(self.norm(x)))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = nn.Identity()
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.downsample(x))


class ResNetFM(nn.Module):
    """A small ResNet, widths 16-128, 13 compressible layers (incl. 3 downsample convs)."""

    def __init__(self):
        super().__init__()
        self.norm = Normalize()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.layer1 = BasicBlock(16, 16, 1)
        self.layer2 = BasicBlock(16, 32, 2)
        self.layer3 = BasicBlock(32, 64, 2)
        self.layer4 = BasicBlock(64, 128, 2)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        x = self.stem(self.norm(x))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


ARCHS = {
    "cnn": dict(cls=SmallCNN, name="fmnist_cnn", epochs=4, lr=0.05, augment=False),
    "resnet": dict(cls=ResNetFM, name="fmnist_resnet", epochs=10, lr=0.1, augment=True),
}


def augment(x, gen):
    """Random horizontal flip per sample and a random shift of up to 2 pixels per batch."""
    flip = torch.rand(x.shape[0], generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    dx, dy = torch.randint(-2, 3, (2,), generator=gen).tolist()
    padded = F.pad(x, (2, 2, 2, 2))
    return padded[:, :, 2 + dy:30 + dy, 2 + dx:30 + dx]


@torch.no_grad()
def evaluate(model, x, y, batch=500):
    model.eval()
    loss_sum, correct = 0.0, 0
    for i in range(0, x.shape[0], batch):
        logits = model(x[i:i + batch])
        loss_sum += F.cross_entropy(logits, y[i:i + batch], reduction="sum").double().item()
        correct += int((logits.argmax(1) == y[i:i + batch]).sum())
    return loss_sum / x.shape[0], correct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=sorted(ARCHS), required=True)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()

    spec = ARCHS[args.arch]
    epochs = args.epochs or spec["epochs"]
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(args.seed)

    xtr, ytr = load_split("train")
    xte, yte = load_split("t10k")
    model = spec["cls"]()
    batch = 128
    steps = epochs * math.ceil(xtr.shape[0] / batch)
    opt = torch.optim.SGD(model.parameters(), lr=spec["lr"], momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=spec["lr"], total_steps=steps)

    start = time.time()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(xtr.shape[0], generator=gen)
        for i in range(0, xtr.shape[0], batch):
            idx = perm[i:i + batch]
            xb = augment(xtr[idx], gen) if spec["augment"] else xtr[idx]
            loss = F.cross_entropy(model(xb), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        test_loss, correct = evaluate(model, xte, yte)
        print(f"epoch {epoch + 1}/{epochs}: test loss {test_loss:.4f} acc {correct / xte.shape[0]:.4f} "
              f"({time.time() - start:.0f} s)", flush=True)
    train_seconds = time.time() - start

    model.eval()
    scripted = torch.jit.script(model)
    test_loss, correct = evaluate(scripted, xte, yte)
    recipe = {
        "command": f"/usr/bin/python3 resources/models/train_fmnist.py --arch {args.arch} "
                   f"--epochs {epochs} --seed {args.seed}",
        "epochs": epochs, "batch_size": batch, "optimizer": "SGD nesterov momentum 0.9",
        "max_lr": spec["lr"], "schedule": "one-cycle", "weight_decay": 5e-4,
        "augmentation": "flip + 2 px shift" if spec["augment"] else "none",
        "seed": args.seed, "threads": args.threads, "torch_version": torch.__version__,
        "train_seconds": round(train_seconds, 1),
    }
    write_model(scripted, model, args.out, spec["name"], spec["cls"].__name__, test_loss, correct,
                xte.shape[0], recipe)


def write_model(scripted, model, out_dir, name, architecture, test_loss, correct, test_samples, recipe):
    """Saves NAME.pt and its NAME.json sidecar, each through a temporary file and a rename."""
    os.makedirs(out_dir, exist_ok=True)
    pt = os.path.join(out_dir, name + ".pt")
    scripted.save(pt + ".tmp")
    os.replace(pt + ".tmp", pt)
    sidecar = {
        "name": name,
        "model_file": name + ".pt",
        "architecture": architecture,
        "parameters": sum(p.numel() for p in model.parameters()),
        "input_shape": [1, 28, 28],
        "input_scaling": "uint8 pixels / 255, N x 1 x 28 x 28; the model normalises internally",
        "dataset": DATA_DIR,
        "dataset_packages": ["dataset-fashion-mnist"],  # named when the dataset is missing
        "test_samples": int(test_samples),
        "test_correct": correct,
        "test_accuracy": correct / test_samples,
        "test_loss": test_loss,
        "recipe": recipe,
    }
    js = os.path.join(out_dir, name + ".json")
    with open(js + ".tmp", "w") as f:
        json.dump(sidecar, f, indent=2)
        f.write("\n")
    os.replace(js + ".tmp", js)
    print(json.dumps({k: sidecar[k] for k in ("name", "test_accuracy", "test_loss")}))

if __name__ == "__main__":
    main()
