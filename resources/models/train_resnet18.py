#!/usr/bin/python3
"""torchvision's ResNet-18 adapted to Fashion-MNIST, for benchmarks at a realistic scale.

    /usr/bin/python3 resources/models/train_resnet18.py            # -> ~/.cache/bitlens/resnet18_fmnist.pt

Trained on first use and cached outside git (~45 MB). An architecture users know, which nobody
here designed: only the stem changes, a 3x3 stride-1 conv on one input channel (28x28 images
are too small for the 7x7 stride-2 stem); the max-pool stays, so layer1 runs at 14x14.
Uses train_fmnist.py's data loading, evaluation and sidecar format.
"""
import argparse
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_fmnist  # noqa: E402


class ResNet18FM(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = train_fmnist.Normalize()
        self.net = torchvision.models.resnet18(num_classes=10)
        self.net.conv1 = nn.Conv2d(1, 64, 3, 1, 1, bias=False)

    def forward(self, x):
        return self.net(self.norm(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.expanduser("~/.cache/bitlens"))
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--train-samples", type=int, default=60000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(args.seed)

    xtr, ytr = train_fmnist.load_split("train")
    xtr, ytr = xtr[:args.train_samples], ytr[:args.train_samples]
    xte, yte = train_fmnist.load_split("t10k")
    model = ResNet18FM()
    batch, lr = 128, 0.05
    steps = args.epochs * math.ceil(xtr.shape[0] / batch)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(xtr.shape[0], generator=gen)
        for i in range(0, xtr.shape[0], batch):
            idx = perm[i:i + batch]
            loss = F.cross_entropy(model(train_fmnist.augment(xtr[idx], gen)), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if (i // batch) % 50 == 0:
                print(f"epoch {epoch + 1} step {i // batch}/{math.ceil(xtr.shape[0] / batch)} "
                      f"loss {loss.item():.3f} ({time.time() - start:.0f} s)", flush=True)
    model.eval()
    scripted = torch.jit.script(model)
    test_loss, correct = train_fmnist.evaluate(scripted, xte, yte)
    recipe = {"command": f"/usr/bin/python3 resources/models/train_resnet18.py --epochs {args.epochs} "
                         f"--train-samples {args.train_samples} --seed {args.seed}",
              "epochs": args.epochs, "train_samples": args.train_samples, "batch_size": batch,
              "optimizer": "SGD nesterov momentum 0.9", "max_lr": lr, "schedule": "one-cycle",
              "weight_decay": 5e-4, "augmentation": "flip + 2 px shift", "seed": args.seed,
              "threads": args.threads, "torch_version": torch.__version__,
              "train_seconds": round(time.time() - start, 1)}
    train_fmnist.write_model(scripted, model, args.out, "resnet18_fmnist", "torchvision ResNet-18 (1-channel stem)",
                             test_loss, correct, xte.shape[0], recipe)


if __name__ == "__main__":
    main()
