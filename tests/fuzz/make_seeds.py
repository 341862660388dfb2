#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/), committed with the targets.

Seeds are small real files of each format, as PyTorch, h5py and bitlens-cli write them, plus the
malformed cases the suites already try (tst_safetensors, tst_datasets). libFuzzer mutates from
these, so each seed is kept small: a few KB runs thousands of times a second.

usage: /usr/bin/python3 tests/fuzz/make_seeds.py BITLENS_CLI
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
FASHION = "/usr/share/datasets/fashion-mnist"


def folder(target):
    path = os.path.join(CORPUS, target)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def put(target, name, data):
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


class Mlp(torch.nn.Module):
    """The probe the TorchScript target feeds takes 8 floats (fuzz_torchscript.cpp)."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(8, 6)
        self.fc2 = torch.nn.Linear(6, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class ConvNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(1, 2, 3)
        self.head = torch.nn.Linear(12, 3)

    def forward(self, x):
        return self.head(torch.relu(self.conv(x.unsqueeze(1))).flatten(1))


def torchscript_seeds(work):
    folder("fuzz_torchscript")
    torch.manual_seed(0)
    models = {"mlp_scripted.pt": torch.jit.script(Mlp()),
              "mlp_traced.pt": torch.jit.trace(Mlp(), torch.zeros(2, 8)),
              "conv_traced.pt": torch.jit.trace(ConvNet(), torch.zeros(2, 8))}
    for name, m in models.items():
        path = os.path.join(work, name)
        torch.jit.save(m, path)
        put("fuzz_torchscript", name, open(path, "rb").read())
    return os.path.join(work, "mlp_scripted.pt")


def idx(dtype_code, dims, payload):
    return struct.pack(">BBBB", 0, 0, dtype_code, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + payload


def idx_seeds():
    """Both files in one input: two bytes of the images' length, the images, the labels."""
    folder("fuzz_idx")
    with gzip.open(os.path.join(FASHION, "t10k-images-idx3-ubyte.gz")) as f:
        images = f.read(16 + 3 * 28 * 28)[16:]
    with gzip.open(os.path.join(FASHION, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = f.read(8 + 3)[8:]
    cases = {
        "fashion3_raw": (idx(0x08, [3, 28, 28], images), idx(0x08, [3], labels)),
        "fashion3_gzip": (gzip.compress(idx(0x08, [3, 28, 28], images)), gzip.compress(idx(0x08, [3], labels))),
        "tiny_4x4": (idx(0x08, [2, 4, 4], bytes(range(32))), idx(0x08, [2], b"\x01\x09")),
        "count_mismatch": (idx(0x08, [2, 4, 4], bytes(32)), idx(0x08, [3], b"\x00\x01\x02")),
        "truncated": (idx(0x08, [5, 4, 4], bytes(20)), idx(0x08, [5], bytes(5))),
        "wrong_type": (idx(0x0D, [2, 2, 2], bytes(32)), idx(0x08, [2], bytes(2))),
    }
    for name, (im, lb) in cases.items():
        put("fuzz_idx", name, struct.pack(">H", len(im)) + im + lb)


def hdf5_seeds(work):
    """Image datasets, token files, and the bad cases tst_datasets names."""
    folder("fuzz_hdf5_dataset")
    rng = np.random.default_rng(0)

    def write(name, fill):
        path = os.path.join(work, name)
        with h5py.File(path, "w") as f:
            fill(f)
        put("fuzz_hdf5_dataset", name, open(path, "rb").read())

    write("root_float.h5", lambda f: (f.create_dataset("inputs", data=rng.random((6, 8), dtype=np.float32)),
                                      f.create_dataset("labels", data=np.arange(6, dtype=np.int64) % 3)))
    write("root_uint8.h5", lambda f: (f.create_dataset("inputs", data=rng.integers(0, 255, (5, 2, 2), dtype=np.uint8)),
                                      f.create_dataset("labels", data=np.arange(5, dtype=np.int32))))

    def groups(f):
        for split, n in (("train", 6), ("test", 4)):
            g = f.create_group(split)
            g.create_dataset("inputs", data=rng.random((n, 8), dtype=np.float32))
            g.create_dataset("labels", data=np.arange(n, dtype=np.int64) % 3)
    write("train_test.h5", groups)
    write("tokens.h5", lambda f: f.create_dataset("tokens", data=rng.integers(0, 50, 64, dtype=np.int32)))

    def split_tokens(f):
        f.create_dataset("train/tokens", data=rng.integers(0, 50, 48, dtype=np.int32))
        f.create_dataset("test/tokens", data=rng.integers(0, 50, 24, dtype=np.int32))
    write("split_tokens.h5", split_tokens)
    write("chunked_gzip.h5", lambda f: (f.create_dataset("inputs", data=rng.random((6, 8), dtype=np.float32),
                                                         chunks=(2, 8), compression="gzip"),
                                        f.create_dataset("labels", data=np.arange(6, dtype=np.int64) % 3)))
    write("labels_missing.h5", lambda f: f.create_dataset("inputs", data=rng.random((3, 8), dtype=np.float32)))
    write("count_mismatch.h5", lambda f: (f.create_dataset("inputs", data=rng.random((3, 8), dtype=np.float32)),
                                          f.create_dataset("labels", data=np.arange(4, dtype=np.int64))))
    write("negative_label.h5", lambda f: (f.create_dataset("inputs", data=rng.random((2, 8), dtype=np.float32)),
                                          f.create_dataset("labels", data=np.array([0, -1], dtype=np.int64))))
    write("string_inputs.h5", lambda f: (f.create_dataset("inputs", data=np.array([b"ab", b"cd"])),
                                         f.create_dataset("labels", data=np.arange(2, dtype=np.int64))))


def text_seeds():
    folder("fuzz_token_corpus")
    put("fuzz_token_corpus", "fortune.txt", "Q: How many engineers does it take to change a light bulb?\n"
        "A: None, it is a hardware problem.\n%\nThe best way to predict the future is to invent it.\n")
    put("fuzz_token_corpus", "utf8.txt", "Größe · λ₁ — 日本語のテキスト\n\ttab\r\nline\n")
    put("fuzz_token_corpus", "short.txt", "ab")
    put("fuzz_token_corpus", "nul.txt", b"text with a \x00 byte")
    put("fuzz_token_corpus", "empty.txt", b"")


def sidecar_seeds():
    folder("fuzz_sidecar")
    for base in ("resources/models", "tests/data/zoo"):
        for name in sorted(os.listdir(os.path.join(ROOT, base))):
            if name.endswith(".json") and name != "references.json":
                put("fuzz_sidecar", base.replace("/", "_") + "_" + name, open(os.path.join(ROOT, base, name), "rb").read())
    put("fuzz_sidecar", "lm_no_shape.json", json.dumps({"task": "language-model", "validation_loss": 1.0}))
    put("fuzz_sidecar", "wrong_types.json", json.dumps({"test_loss": "x", "test_accuracy": [], "dataset": 3}))


def safetensors(tensors, metadata=None, length=None):
    header, data, offset = {}, b"", 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def safetensors_seeds():
    folder("fuzz_safetensors")
    rng = np.random.default_rng(1)
    w = rng.standard_normal((6, 8)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    e = rng.standard_normal((10, 4)).astype(np.float32)
    bf16 = (w.view(np.uint32) >> 16).astype(np.uint16).tobytes()
    put("fuzz_safetensors", "linear_f32", safetensors({"fc.weight": ("F32", [6, 8], w.tobytes()),
                                                       "fc.bias": ("F32", [6], b.tobytes())}, {"format": "pt"}))
    put("fuzz_safetensors", "linear_f16_bf16", safetensors({"a.weight": ("F16", [6, 8], w.astype(np.float16).tobytes()),
                                                            "b.weight": ("BF16", [6, 8], bf16)}))
    put("fuzz_safetensors", "embedding_and_int8", safetensors({"embed_tokens.weight": ("F32", [10, 4], e.tobytes()),
                                                               "q.weight": ("I8", [4, 4], bytes(16))}))
    # tst_safetensors' malformed headers.
    ok = {"a": ("F32", [2], bytes(8))}
    put("fuzz_safetensors", "bad_length", safetensors(ok, length=4096))
    put("fuzz_safetensors", "bad_json", struct.pack("<Q", 9) + b'{"a": [1,')
    put("fuzz_safetensors", "bad_dtype", safetensors({"a": ("Q7", [2], bytes(8))}))
    put("fuzz_safetensors", "bad_size", safetensors({"a": ("F32", [3], bytes(8))}))
    put("fuzz_safetensors", "bad_metadata", safetensors({}, {"x": 1}))
    overlap = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
               "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}
    text = json.dumps(overlap).encode()
    put("fuzz_safetensors", "bad_overlap", struct.pack("<Q", len(text)) + text + bytes(12))


def plan_and_bitlens_seeds(cli, model, work):
    """Plans, bundles and packed weights as bitlens-cli writes them, on the TorchScript seed model."""
    for target in ("fuzz_plan", "fuzz_bundle", "fuzz_packed_weights"):
        folder(target)
    data = os.path.join(work, "data.h5")
    rng = np.random.default_rng(2)
    with h5py.File(data, "w") as f:
        f.create_dataset("inputs", data=rng.standard_normal((32, 8)).astype(np.float32))
        f.create_dataset("labels", data=np.arange(32, dtype=np.int64) % 3)

    def run(*args):
        subprocess.run([cli, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    specs = {"w4": "w4:per-channel", "w3_group": "w3:group4:asym", "gptq": "w4:gptq", "fp8": "fp8_e4m3,a8",
             "awq": "w4:awq", "sqllm": "w3:sqllm", "rank": "w8"}
    for name, spec in specs.items():
        plan = os.path.join(work, name + ".json")
        extra = ["--rank", "0.5"] if name == "rank" else []
        run("plan", model, "--uniform", spec, *extra, "--out", plan)
        put("fuzz_plan", name + ".json", open(plan, "rb").read())
        out = os.path.join(work, "export_" + name)
        run("export", model, "--data", data, "--plan", plan, "--out", out)
        put("fuzz_packed_weights", name + ".h5", open(os.path.join(out, "weights.h5"), "rb").read())
    put("fuzz_plan", "option.json", json.dumps({"bits": 4, "granularity": "per-channel"}))
    put("fuzz_plan", "unknown_field.json", json.dumps({"version": 1, "layers": {"fc1": {"bits": 99}}}))
    bundle = os.path.join(work, "bundle.h5")
    run("analyze", model, "--data", data, "--out", bundle, "--stats", "--spectra", "--quant-error")
    put("fuzz_bundle", "stats.h5", open(bundle, "rb").read())
    run("analyze", model, "--data", data, "--out", bundle, "--hessian", "--sensitivity",
        "--hessian-samples", "16", "--hessian-batches", "2", "--candidates", "w2,w4,w8")
    put("fuzz_bundle", "hessian.h5", open(bundle, "rb").read())


def main():
    cli = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        model = torchscript_seeds(work)
        idx_seeds()
        hdf5_seeds(work)
        text_seeds()
        sidecar_seeds()
        safetensors_seeds()
        plan_and_bitlens_seeds(cli, model, work)
    for target in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, target))
        size = sum(os.path.getsize(os.path.join(CORPUS, target, f)) for f in files)
        print(f"{target}: {len(files)} seeds, {size} bytes")


if __name__ == "__main__":
    main()
