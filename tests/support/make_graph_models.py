#!/usr/bin/env python3
"""The graph benchmark's models, random weights, traced to TorchScript:
torchvision's ResNet-50 (25.6 M parameters) and a GPT-2-small-shaped 12-block GPT (d = 768,
12 heads, fused qkv projection, GELU MLP; a 256-token vocabulary, so 85 M parameters).
usage: make_graph_models.py OUT_DIR"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        q, k, v = (y.view(b, t, self.heads, d // self.heads).transpose(1, 2) for y in (q, k, v))
        scores = q @ k.transpose(-2, -1) / (d // self.heads) ** 0.5
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        att = F.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        return self.proj((att @ v).transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = Attention(d, heads)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab=256, context=128, d=768, heads=12, blocks=12):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(context, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(blocks))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, tokens):
        x = self.tok(tokens) + self.pos(torch.arange(tokens.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    with torch.no_grad():
        resnet = torchvision.models.resnet50().eval()
        torch.jit.trace(resnet, torch.randn(1, 3, 224, 224)).save(os.path.join(out, "resnet50.pt"))
        gpt = GPT().eval()
        print("gpt parameters:", sum(p.numel() for p in gpt.parameters()))
        torch.jit.trace(gpt, torch.randint(0, 256, (1, 128))).save(os.path.join(out, "gpt85m.pt"))


if __name__ == "__main__":
    main()
