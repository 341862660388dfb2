#!/usr/bin/env python3
"""From a PyTorch 2.x model to what BitLens opens: a TorchScript file, its JSON sidecar and a
calibration dataset file. Runs in your own PyTorch (2.x; transformers / torchvision as needed).

  # A Hugging Face causal or masked language model (a checkpoint folder: config.json + weights)
  python3 scripts/export_torchscript.py hf CHECKPOINT_DIR --out model.pt --context 128 \
      --text CORPUS_DIR_OR_FILE          # -> model.pt, model.json, model_tokens.h5

  # A torchvision classifier by name, random weights or --weights FILE (a state_dict)
  python3 scripts/export_torchscript.py torchvision resnet50 --out resnet50.pt --image-size 224 \
      --images IMAGE_FOLDER                # class sub-folders -> model_images.h5

The model is traced (torch.jit.trace) in evaluation mode with its default attention; --eager
traces Hugging Face models with eager attention instead. BitLens 1.13 builds load both: it
carries scaled_dot_product_attention for exports of newer PyTorch. Outputs may be a tensor, a
tuple or a dict: BitLens takes the 'logits' entry, else the first tensor.
"""
import argparse
import json
import os
import sys

import torch


def trace(model, example):
    model.eval()
    # Traced with gradients enabled: under no_grad, nn.MultiheadAttention takes its fused
    # _native_multi_head_attention path, whose weights no linear reads and which cannot be
    # differentiated twice (the Hessian needs that). strict=False lets a model return a dict
    # (Hugging Face's ModelOutput).
    return torch.jit.trace(model, example, strict=False, check_trace=False)


def load_hf(checkpoint, eager):
    import transformers
    config = transformers.AutoConfig.from_pretrained(checkpoint)
    config.use_cache = False  # no past key values: the logits are the output
    kwargs = {"config": config}
    if eager:
        kwargs["attn_implementation"] = "eager"
    # The class the checkpoint was saved from (BertForMaskedLM, LlamaForCausalLM), else a causal LM.
    names = getattr(config, "architectures", None) or []
    model_class = getattr(transformers, names[0], None) if names else None
    if model_class is None:
        model_class = transformers.AutoModelForCausalLM
    return model_class.from_pretrained(checkpoint, **kwargs).float().eval()


def text_tokens(path, tokenizer_dir):
    """Token ids of a text file or a folder of text files, by the checkpoint's tokenizer."""
    import transformers
    tok = transformers.AutoTokenizer.from_pretrained(tokenizer_dir)
    files = [path] if os.path.isfile(path) else sorted(
        os.path.join(path, f) for f in os.listdir(path) if os.path.isfile(os.path.join(path, f)))
    ids = []
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            ids.extend(tok(fh.read())["input_ids"])
    return torch.tensor(ids, dtype=torch.int64)


def write_tokens(path, tokens):
    """/tokens: BitLens cuts it at 90 % into training (calibration) and held-out windows."""
    import h5py
    with h5py.File(path, "w") as f:
        f.create_dataset("tokens", data=tokens.numpy())


def image_folder(path, size):
    from torchvision import datasets, transforms
    t = transforms.Compose([transforms.Resize(size), transforms.CenterCrop(size), transforms.ToTensor(),
                            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    ds = datasets.ImageFolder(path, transform=t)
    xs, ys = zip(*[ds[i] for i in range(len(ds))])
    return torch.stack(xs), torch.tensor(ys, dtype=torch.int64)


def write_images(path, inputs, labels):
    """/inputs float32 N x C x H x W (normalised as the model expects) and /labels."""
    import h5py
    with h5py.File(path, "w") as f:
        f.create_dataset("inputs", data=inputs.numpy().astype("float32"))
        f.create_dataset("labels", data=labels.numpy())


def dataset_entry(out, dataset):
    """The dataset as the sidecar names it: relative to the model's folder when it lies there
    (BitLens reads it so, and the two move together), else absolute."""
    rel = os.path.relpath(os.path.abspath(dataset), os.path.dirname(os.path.abspath(out)))
    return os.path.abspath(dataset) if rel.startswith("..") else rel


def write_sidecar(out, sidecar):
    with open(os.path.splitext(out)[0] + ".json", "w") as f:
        json.dump(sidecar, f, indent=2)


def export_hf(model, out, context, vocab, dataset=None):
    # Batch 2: a trace at batch 1 may bake in squeezes that break larger batches.
    example = torch.randint(0, vocab, (2, context), generator=torch.Generator().manual_seed(0))
    trace(model, (example,)).save(out)
    sidecar = {"name": os.path.splitext(os.path.basename(out))[0], "model_file": os.path.basename(out),
               "architecture": type(model).__name__, "task": "language-model", "input_shape": [context],
               "attention": getattr(model.config, "_attn_implementation", None),
               "parameters": sum(p.numel() for p in model.parameters()), "torch_version": torch.__version__}
    if dataset:
        sidecar["dataset"] = dataset_entry(out, dataset)
    write_sidecar(out, sidecar)


def export_vision(model, out, image_size, dataset=None):
    example = torch.randn(2, 3, image_size, image_size, generator=torch.Generator().manual_seed(0))
    trace(model, (example,)).save(out)
    sidecar = {"name": os.path.splitext(os.path.basename(out))[0], "model_file": os.path.basename(out),
               "architecture": type(model).__name__, "input_shape": [3, image_size, image_size],
               "parameters": sum(p.numel() for p in model.parameters()), "torch_version": torch.__version__}
    if dataset:
        sidecar["dataset"] = dataset_entry(out, dataset)
    write_sidecar(out, sidecar)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="kind", required=True)
    hf = sub.add_parser("hf", help="a Hugging Face checkpoint folder")
    hf.add_argument("checkpoint")
    hf.add_argument("--eager", action="store_true", help="trace with eager attention")
    hf.add_argument("--context", type=int, default=128, help="tokens per window (default 128)")
    hf.add_argument("--text", help="a text file or folder: tokenised into OUT_tokens.h5")
    tv = sub.add_parser("torchvision", help="a torchvision classifier by name")
    tv.add_argument("name")
    tv.add_argument("--weights", help="a state_dict file (default: random weights)")
    tv.add_argument("--num-classes", type=int, default=1000)
    tv.add_argument("--image-size", type=int, default=224)
    tv.add_argument("--images", help="an ImageFolder (class sub-folders): into OUT_images.h5")
    for p in (hf, tv):
        p.add_argument("--out", required=True, help="the TorchScript file to write (.pt)")
    args = ap.parse_args()
    torch.manual_seed(0)
    base = os.path.splitext(args.out)[0]
    if args.kind == "hf":
        model = load_hf(args.checkpoint, args.eager)
        data = None
        if args.text:
            data = base + "_tokens.h5"
            write_tokens(data, text_tokens(args.text, args.checkpoint))
        export_hf(model, args.out, args.context, model.config.vocab_size, data)
    else:
        import torchvision
        model = torchvision.models.get_model(args.name, weights=None, num_classes=args.num_classes).eval()
        if args.weights:
            model.load_state_dict(torch.load(args.weights, map_location="cpu"))
        data = None
        if args.images:
            data = base + "_images.h5"
            write_images(data, *image_folder(args.images, args.image_size))
        export_vision(model, args.out, args.image_size, data)
    print(f"wrote {args.out} and {base}.json" + (f" and {data}" if data else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
