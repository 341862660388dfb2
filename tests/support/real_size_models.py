#!/usr/bin/python3
"""The real-size models bench_real_size measures, and stock PyTorch's side of its comparison.
Debian's python3-torch and python3-torchvision only; random weights (nothing can be downloaded).

  /usr/bin/python3 tests/support/real_size_models.py make --out DIR
      DIR/resnet50.pt + .json: torchvision's ResNet-50 at 224 x 224, weights drawn with variance
      1 / fan-in and BatchNorm statistics set from random images; DIR/images224.h5: 256 seeded
      random images with random labels (its dataset).
      DIR/gpt85m.pt + .json: a 12-block, 768-wide, 12-head byte-level GPT (train_charlm.py's
      architecture: separate Q/K/V/O Linear layers, GELU MLP x4, context 128; 85.2 M parameters),
      GPT-2's initialisation (std 0.02); its dataset is Debian's fortunes corpus.

  /usr/bin/python3 tests/support/real_size_models.py measure DIR/MODEL.pt --threads T --batch B --count N
      Evaluation throughput of the same weights in PyTorch, on the first N evaluation samples in
      batches of B, as BitLens evaluates (no gradients; loss and argmax per batch): eager (the
      architecture rebuilt and given the archive's state_dict) and the TorchScript archive itself.
      Prints one JSON line: samples per second and the mean loss of each.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "resources", "models"))
import export_torchscript as export  # noqa: E402
import train_charlm as charlm  # noqa: E402

IMAGES, IMAGE_SIZE, CLASSES = 256, 224, 1000
GPT_WIDTH, GPT_BLOCKS, GPT_HEADS, CONTEXT = 768, 12, 12, 128


def resnet50():
    import torchvision
    return torchvision.models.resnet50(weights=None)


def gpt85m():
    return charlm.ByteTransformer(GPT_WIDTH, GPT_BLOCKS, GPT_HEADS, CONTEXT)


ARCHITECTURES = {"resnet50": resnet50, "gpt85m": gpt85m}


def make_resnet50(out):
    torch.manual_seed(0)
    model = resnet50()
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2:
                p.normal_(0.0, p[0].numel() ** -0.5)
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None  # a cumulative average over the batches below
        model.train()
        for _ in range(4):
            model(torch.randn(8, 3, IMAGE_SIZE, IMAGE_SIZE))
    g = torch.Generator().manual_seed(1)
    images = torch.randn(IMAGES, 3, IMAGE_SIZE, IMAGE_SIZE, generator=g)
    labels = torch.randint(0, CLASSES, (IMAGES,), generator=g)
    data = os.path.join(out, "images224.h5")
    export.write_images(data, images, labels)
    export.export_vision(model.eval(), os.path.join(out, "resnet50.pt"), IMAGE_SIZE, data)


def make_gpt85m(out):
    torch.manual_seed(0)
    model = gpt85m().eval()
    path = os.path.join(out, "gpt85m.pt")
    export.trace(model, (torch.randint(0, charlm.VOCAB, (2, CONTEXT)),)).save(path)
    export.write_sidecar(path, {
        "name": "gpt85m", "model_file": "gpt85m.pt",
        "architecture": f"ByteTransformer ({GPT_BLOCKS} pre-LN blocks, width {GPT_WIDTH}, {GPT_HEADS} heads, "
                        "GELU MLP x4), random weights",
        "task": "language-model", "input_shape": [CONTEXT], "dataset": charlm.CORPUS,
        "dataset_packages": ["fortunes", "fortunes-min"],
        "parameters": sum(p.numel() for p in model.parameters()), "torch_version": torch.__version__})


def evaluation_data(path, count):
    """The evaluation samples BitLens takes from the model's dataset: the held-out images (the
    file has one split) or the validation split's windows of the corpus."""
    with open(os.path.splitext(path)[0] + ".json") as f:
        sidecar = json.load(f)
    dataset = os.path.join(os.path.dirname(os.path.abspath(path)), sidecar["dataset"])  # relative: the model's folder
    if sidecar.get("task") == "language-model":
        _, valid = charlm.read_folder_splits(dataset)
        w = charlm.windows(valid, sidecar["input_shape"][0])[:count]
        return w[:, :-1].contiguous(), w[:, 1:].contiguous()
    import h5py
    with h5py.File(dataset, "r") as f:
        return torch.from_numpy(f["inputs"][:count]), torch.from_numpy(f["labels"][:count]).long()


def throughput(model, inputs, targets, batch):
    def run(limit):
        loss, start = 0.0, time.perf_counter()
        with torch.no_grad():
            for i in range(0, limit, batch):
                logits = model(inputs[i:i + batch])
                flat = logits.reshape(-1, logits.shape[-1])
                loss += F.cross_entropy(flat, targets[i:i + batch].reshape(-1), reduction="sum").item()
                flat.argmax(-1)
        return time.perf_counter() - start, loss / targets[:limit].numel()
    run(min(2 * batch, inputs.shape[0]))  # warm-up: the TorchScript executor specialises on its first runs
    seconds, loss = run(inputs.shape[0])
    return {"samples_per_second": inputs.shape[0] / seconds, "seconds": seconds, "loss": loss}


def measure(args):
    torch.set_num_threads(args.threads)
    scripted = torch.jit.load(args.model).eval()
    eager = ARCHITECTURES[os.path.splitext(os.path.basename(args.model))[0]]().eval()
    eager.load_state_dict(scripted.state_dict())
    inputs, targets = evaluation_data(args.model, args.count)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "eager": throughput(eager, inputs, targets, args.batch),
                      "torchscript": throughput(scripted, inputs, targets, args.batch)}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make")
    make.add_argument("--out", required=True)
    m = sub.add_parser("measure")
    m.add_argument("model")
    m.add_argument("--threads", type=int, required=True)
    m.add_argument("--batch", type=int, required=True)
    m.add_argument("--count", type=int, required=True)
    args = ap.parse_args()
    if args.command == "make":
        os.makedirs(args.out, exist_ok=True)
        make_resnet50(args.out)
        make_gpt85m(args.out)
    else:
        measure(args)


if __name__ == "__main__":
    main()
