#!/usr/bin/python3
"""Reads a BitLens packed-weights file (weights.h5) with h5py + numpy alone, following the layout
README.md documents ("Packed weights"), independently of core's readPackedWeights. Writes each
layer's effective weight, the [out, in*kh*kw] float32 matrix (left @ right when factored), as raw
little-endian float32 to OUT_FOLDER/<layer name>.f32, and prints one JSON object:
{"format", "version", "model", "plan", "layers": [{"name", "index", "shape", "rank", "matrices"}]}.
Used by tst_export to check that the file holds the weights evaluation used.
  read_packed_weights.py WEIGHTS.h5 OUT_FOLDER"""
import json
import os
import sys

import h5py
import numpy as np


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def minifloat(bits, exponent_bits, mantissa_bits, bias):
    """fp8 bit patterns to float32, from the format's definition (sign, exponent, mantissa)."""
    bits = bits.astype(np.int64)
    sign = np.where(bits >> 7, -1.0, 1.0)
    exponent = (bits >> mantissa_bits) & ((1 << exponent_bits) - 1)
    fraction = (bits & ((1 << mantissa_bits) - 1)) / float(1 << mantissa_bits)
    normal = np.ldexp(1.0 + fraction, (exponent - bias).astype(np.int32))
    subnormal = np.ldexp(fraction, 1 - bias)
    return (sign * np.where(exponent == 0, subnormal, normal)).astype(np.float32)


def unpack_codes(packed, count, bits, qmin):
    """Fields of `bits` bits end to end, least significant bit first; code = field + qmin."""
    stream = np.unpackbits(packed, bitorder="little")[: count * bits].reshape(count, bits)
    fields = (stream.astype(np.int64) << np.arange(bits, dtype=np.int64)).sum(axis=1)
    return fields + qmin


def matrix(group):
    rows, cols = int(group.attrs["rows"]), int(group.attrs["cols"])
    fmt = text(group.attrs["format"])
    if fmt == "int" and "codebook" in group:
        # sqllm: codes index their row's codebook; the CSR's sparse values replace theirs.
        bits = int(group.attrs["bits"])
        codes = unpack_codes(group["codes"][()], rows * cols, bits, 0).reshape(rows, cols)
        codebook = group["codebook"]
        if codebook.dtype != np.float16 or codebook.shape != (rows, 1 << bits):
            raise SystemExit(f"{group.name}/codebook: {codebook.dtype} {codebook.shape}")
        values = np.take_along_axis(codebook[()].astype(np.float32), codes, axis=1)
        if "sparse_values" in group:
            starts, columns = group["sparse_row_starts"][()], group["sparse_columns"][()]
            sparse = group["sparse_values"][()].astype(np.float32)
            for r in range(rows):
                values[r, columns[starts[r]:starts[r + 1]]] = sparse[starts[r]:starts[r + 1]]
        return values
    if fmt == "int":
        # xint stores `terms` terms, codes one after another and scales [terms, ...]: their sum.
        terms = int(group.attrs["terms"]) if "terms" in group.attrs else 1
        codes = unpack_codes(group["codes"][()], terms * rows * cols, int(group.attrs["bits"]), int(group.attrs["qmin"]))
        codes = codes.reshape(terms, rows, cols)
        scales = group["scales"]
        if scales.dtype != np.float16:
            raise SystemExit(f"{group.name}/scales: {scales.dtype}, not float16")
        scales = scales[()].astype(np.float32).reshape(terms, -1, scales.shape[-1])
        zero_points = group["zero_points"][()] if "zero_points" in group else np.zeros(scales.shape, np.int32)
        zero_points = zero_points.reshape(scales.shape)
        groups = scales.shape[2]
        row = np.arange(rows)[:, None] if scales.shape[1] == rows else np.zeros((rows, 1), np.int64)
        column_group = (np.arange(cols) // (cols // groups))[None, :]
        total = np.zeros((rows, cols), np.float32)
        for t in range(terms):
            total += (codes[t] - zero_points[t][row, column_group]).astype(np.float32) * scales[t][row, column_group]
        return total
    # Version 2 writes fp16 / bf16 / fp32; version 1 wrote float16 / bfloat16 / float32.
    if fmt in ("fp16", "fp32", "float16", "float32"):
        return group["values"][()].astype(np.float32).reshape(rows, cols)
    if fmt in ("bf16", "bfloat16"):
        return (group["value_bits"][()].astype(np.uint32) << 16).view(np.float32).reshape(rows, cols)
    if fmt == "fp8_e4m3":
        return minifloat(group["value_bits"][()], 4, 3, 7).reshape(rows, cols)
    if fmt == "fp8_e5m2":
        return minifloat(group["value_bits"][()], 5, 2, 15).reshape(rows, cols)
    raise SystemExit(f"{group.name}: unknown format {fmt}")


def splitmix64(x):
    mask = (1 << 64) - 1
    x = (x + 0x9E3779B97F4A7C15) & mask
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & mask
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & mask
    return x ^ (x >> 31)


def hadamard_rotation(channels, seed):
    """README's rotation: Walsh-Hadamard blocks of the largest power of two dividing the channel
    count, normalised, on the diagonal, times random signs (bit 0 of splitmix64(seed + i))."""
    block = 1
    while channels % (2 * block) == 0:
        block *= 2
    h = np.ones((1, 1))
    while h.shape[0] < block:
        h = np.block([[h, h], [h, -h]])
    h /= np.sqrt(block)
    rotation = np.kron(np.eye(channels // block), h)
    signs = np.array([1.0 if splitmix64(seed + i) & 1 == 0 else -1.0 for i in range(channels)])
    return rotation * signs[None, :]


def undo_transform(layer, weight):
    """The stored matrix is W·T⁻¹ for a method's input transform T; W = stored·T per channel."""
    if "input_channel_scales" in layer:
        scales = layer["input_channel_scales"][()].astype(np.float32)
        by_channel = weight.reshape(weight.shape[0], scales.size, -1)
        return (by_channel / scales[None, :, None]).reshape(weight.shape)
    if "rotation_seed" in layer.attrs:
        rotation = hadamard_rotation(int(layer.attrs["rotation_channels"]), int(layer.attrs["rotation_seed"]))
        by_channel = weight.reshape(weight.shape[0], rotation.shape[0], -1).astype(np.float64)
        return np.einsum("odk,dc->ock", by_channel, rotation).reshape(weight.shape).astype(np.float32)
    return weight


def main():
    path, out = sys.argv[1], sys.argv[2]
    layers = []
    with h5py.File(path, "r") as f:
        root = {key: text(f.attrs[key]) for key in ("format", "model", "plan")}
        root["version"] = int(f.attrs["version"])
        for name, layer in f["layers"].items():
            if "weight" in layer:
                weight, matrices = undo_transform(layer, matrix(layer["weight"])), 1
            else:
                weight, matrices = matrix(layer["left"]) @ matrix(layer["right"]), 2
            np.ascontiguousarray(weight, dtype="<f4").tofile(os.path.join(out, name + ".f32"))
            layers.append({"name": name, "index": int(layer.attrs["index"]),
                           "shape": [int(d) for d in layer.attrs["shape"]], "rank": int(layer.attrs["rank"]),
                           "matrices": matrices})
    root["layers"] = sorted(layers, key=lambda l: l["index"])
    print(json.dumps(root))


if __name__ == "__main__":
    main()
