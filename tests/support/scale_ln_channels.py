#!/usr/bin/python3
"""Writes a copy of a pre-LayerNorm transformer whose attention inputs carry outlier channels while
computing the same function: LayerNorm ln1 of every block gets gain and bias × SCALE in the chosen
channels, and the Q, K and V weights the same columns ÷ SCALE (SmoothQuant's equivalence, run
backwards). Used by tst_language_model to check that outlier channels show in the statistics.

    scale_ln_channels.py MODEL.pt OUT.pt SCALE CHANNEL [CHANNEL ...]
"""
import sys

import torch


def main():
    source, target, scale = sys.argv[1], sys.argv[2], float(sys.argv[3])
    channels = [int(c) for c in sys.argv[4:]]
    model = torch.jit.load(source, map_location="cpu")
    with torch.no_grad():
        for block in model.blocks.children():
            block.ln1.weight[channels] *= scale
            block.ln1.bias[channels] *= scale
            for proj in (block.attn.q, block.attn.k, block.attn.v):
                proj.weight[:, channels] /= scale
    model.save(target)


if __name__ == "__main__":
    main()
