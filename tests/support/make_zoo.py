#!/usr/bin/env python3
"""The model zoo tst_zoo loads: tiny random-weight versions of the architectures users bring,
exported by scripts/export_torchscript.py with the newest PyTorch, and PyTorch's own figures on
fixed data. Run where PyTorch 2.x, transformers and torchvision are installed (the device machine):

  python3 tests/support/make_zoo.py --out tests/data/zoo

Writes MODEL.pt + MODEL.json per model, tokens.h5 and images.h5 (the fixed data) and
references.json: versions, and per model its compressible layers as PyTorch lists them (with tied
weights), the operators of its inlined graph, its output kind, and the loss BitLens must reproduce
(mean cross-entropy: next-token for language models, per image for classifiers).
"""
import argparse
import json
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import export_torchscript as export  # noqa: E402

CONTEXT, WINDOWS, VOCAB = 16, 4, 256
IMAGES, IMAGE_SIZE, CLASSES = 8, 32, 10
# initializer_range 0.2 instead of 0.02: logits far from uniform, so compression changes the loss.
COMMON_IDS = {"pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2, "initializer_range": 0.2}
DECODER = {"vocab_size": VOCAB, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
           "num_attention_heads": 4, "max_position_embeddings": 64, **COMMON_IDS}
HF_MODELS = {
    "llama": ("llama", {**DECODER, "num_key_value_heads": 2}),
    "mistral": ("mistral", {**DECODER, "num_key_value_heads": 2}),
    "qwen2": ("qwen2", {**DECODER, "num_key_value_heads": 2}),
    "phi3": ("phi3", {**DECODER, "num_key_value_heads": 2}),
    "gpt_neox": ("gpt_neox", DECODER),
    "gpt2": ("gpt2", {"vocab_size": VOCAB, "n_embd": 64, "n_layer": 2, "n_head": 4, "n_positions": 64,
                      **COMMON_IDS}),
    "opt": ("opt", {"vocab_size": VOCAB, "hidden_size": 64, "ffn_dim": 128, "num_hidden_layers": 2,
                    "num_attention_heads": 4, "max_position_embeddings": 64, "word_embed_proj_dim": 64,
                    **COMMON_IDS}),
    "bert": ("bert", {"vocab_size": VOCAB, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
                      "num_attention_heads": 4, "max_position_embeddings": 64, "type_vocab_size": 2,
                      "pad_token_id": 0, "initializer_range": 0.2}),
}


def tiny_resnet():
    """torchvision's ResNet class and BasicBlock at widths 8-64 (the real one starts at 64)."""
    from torchvision.models import resnet

    class TinyResNet(resnet.ResNet):
        def __init__(self):
            torch.nn.Module.__init__(self)
            self._norm_layer, self.inplanes, self.dilation, self.groups, self.base_width = (
                torch.nn.BatchNorm2d, 8, 1, 1, 64)
            self.conv1 = torch.nn.Conv2d(3, 8, 7, 2, 3, bias=False)
            self.bn1, self.relu = torch.nn.BatchNorm2d(8), torch.nn.ReLU(inplace=True)
            self.maxpool = torch.nn.MaxPool2d(3, 2, 1)
            self.layer1 = self._make_layer(resnet.BasicBlock, 8, 1)
            self.layer2 = self._make_layer(resnet.BasicBlock, 16, 1, stride=2)
            self.layer3 = self._make_layer(resnet.BasicBlock, 32, 1, stride=2)
            self.layer4 = self._make_layer(resnet.BasicBlock, 64, 1, stride=2)
            self.avgpool = torch.nn.AdaptiveAvgPool2d((1, 1))
            self.fc = torch.nn.Linear(64, CLASSES)

    return TinyResNet()


def vision_models():
    import torchvision.models as tvm
    from torchvision.models import convnext, efficientnet, swin_transformer, vision_transformer
    setting, last = efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.25, depth_mult=0.25)
    return {
        "resnet": tiny_resnet,
        "mobilenet_v3": lambda: tvm.mobilenet_v3_small(width_mult=0.25, num_classes=CLASSES),
        "efficientnet": lambda: efficientnet.EfficientNet(setting, 0.2, last_channel=last, num_classes=CLASSES),
        "convnext": lambda: convnext.ConvNeXt([convnext.CNBlockConfig(16, 32, 1), convnext.CNBlockConfig(32, None, 1)],
                                              num_classes=CLASSES),
        "vit": lambda: vision_transformer.VisionTransformer(image_size=IMAGE_SIZE, patch_size=8, num_layers=2,
                                                            num_heads=2, hidden_dim=32, mlp_dim=64,
                                                            num_classes=CLASSES),
        "swin": lambda: swin_transformer.SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[1, 1],
                                                         num_heads=[2, 2], window_size=[4, 4],
                                                         num_classes=CLASSES),
    }


def layers_of(model):
    """Compressible layers as PyTorch sees them: modules with a weight of rank >= 2 that a conv,
    linear or embedding consumes; a weight shared by several modules is listed with its uses."""
    owner, layers = {}, []

    def add(name, kind, w):
        entry = {"name": name, "kind": kind, "weight_shape": list(w.shape)}
        if w.data_ptr() in owner:
            entry["tied_to"] = owner[w.data_ptr()]
        else:
            owner[w.data_ptr()] = name
        layers.append(entry)

    for name, m in model.named_modules():
        w = getattr(m, "weight", None)
        if isinstance(m, torch.nn.Linear):  # subclasses too (MultiheadAttention's out_proj)
            add(name, "linear", w)
        elif isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d)):
            add(name, "conv1d" if isinstance(m, torch.nn.Conv1d) else "conv2d", w)
        elif isinstance(m, torch.nn.Embedding):
            add(name, "embedding", w)
        elif type(m).__name__ == "Conv1D":  # transformers.pytorch_utils.Conv1D: addmm, weight [in, out]
            add(name, "linear", w)
        elif isinstance(m, torch.nn.MultiheadAttention) and m.in_proj_weight is not None:
            # A weight not called 'weight' is a layer named by its parameter.
            add(name + ".in_proj_weight", "linear", m.in_proj_weight)
    return layers


def operators(traced):
    found = set()

    def walk(block):
        for n in block.nodes():
            found.add(n.kind())
            for b in n.blocks():
                walk(b)
    walk(traced.inlined_graph)
    return sorted(found)


def logits_of(output):
    if isinstance(output, torch.Tensor):
        return output, "tensor"
    if isinstance(output, dict):
        return output["logits"], "dict"
    return output[0], "tuple"


def reference(path, inputs, targets, language_model):
    traced = torch.jit.load(path)
    with torch.no_grad():
        logits, kind = logits_of(traced(inputs))
    flat = logits.reshape(-1, logits.shape[-1]).double()
    loss = torch.nn.functional.cross_entropy(flat, targets.reshape(-1)).item()
    correct = int((flat.argmax(-1) == targets.reshape(-1)).sum())
    return traced, {"output": kind, "logits_shape": list(logits.shape), "loss": loss, "correct": correct,
                    "predictions": targets.numel(), "logits_abs_sum": flat.abs().sum().item(),
                    "first_logits": flat[0, :8].tolist(), "task": "language-model" if language_model else
                    "classification"}


def write_data(out):
    import h5py
    g = torch.Generator().manual_seed(1)
    tokens = torch.randint(3, VOCAB, (WINDOWS * CONTEXT + 1,), generator=g)
    with h5py.File(os.path.join(out, "tokens.h5"), "w") as f:
        for split in ("train", "test"):
            f.create_dataset(f"{split}/tokens", data=tokens.numpy())
    images = torch.randn(IMAGES, 3, IMAGE_SIZE, IMAGE_SIZE, generator=g)
    labels = torch.randint(0, CLASSES, (IMAGES,), generator=g)
    with h5py.File(os.path.join(out, "images.h5"), "w") as f:
        for split in ("train", "test"):
            f.create_dataset(f"{split}/inputs", data=images.numpy())
            f.create_dataset(f"{split}/labels", data=labels.numpy())
    windows = tokens.unfold(0, CONTEXT + 1, CONTEXT)
    return (windows[:, :-1], windows[:, 1:]), (images, labels)


def make_hf(name, model_type, kwargs, out, tokens, refs):
    import transformers
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(model_type, **kwargs)
    auto = transformers.AutoModelForMaskedLM if model_type == "bert" else transformers.AutoModelForCausalLM
    model = auto.from_config(config)
    with tempfile.TemporaryDirectory() as checkpoint:
        model.save_pretrained(checkpoint)
        variants = [("", False)]
        default = export.load_hf(checkpoint, False)
        if getattr(default.config, "_attn_implementation", "eager") != "eager":
            variants.append(("_eager", True))
        for suffix, eager in variants:
            m = export.load_hf(checkpoint, eager)
            path = os.path.join(out, name + suffix + ".pt")
            export.export_hf(m, path, CONTEXT, VOCAB)
            traced, ref = reference(path, *tokens, True)
            ref.update({"family": name, "attention": m.config._attn_implementation, "layers": layers_of(m),
                        "operators": operators(traced), "parameters": sum(p.numel() for p in m.parameters())})
            refs[name + suffix] = ref
            print(f"{name + suffix}: {ref['attention']}, output {ref['output']}, loss {ref['loss']:.6f}, "
                  f"{len(ref['layers'])} layers, {os.path.getsize(path)} bytes", flush=True)


def make_vision(name, build, out, images, refs):
    torch.manual_seed(0)
    model = build().eval()
    # Zero-initialised or tiny heads (ViT, MobileNet, EfficientNet) give near-constant logits,
    # whose loss no compression changes: every weight drawn with variance 1 / fan-in instead.
    # BatchNorm's running statistics are then set from random images (as training would from
    # data), or activations vanish through the untrained normalisations.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2:
                p.normal_(0.0, p[0].numel() ** -0.5)
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.reset_running_stats()
                m.momentum = None  # a cumulative average over the batches below
        model.train()
        for _ in range(4):
            model(torch.randn(16, 3, IMAGE_SIZE, IMAGE_SIZE))
        model.eval()
    path = os.path.join(out, name + ".pt")
    export.export_vision(model, path, IMAGE_SIZE)
    traced, ref = reference(path, *images, False)
    ref.update({"family": name, "layers": layers_of(model), "operators": operators(traced),
                "parameters": sum(p.numel() for p in model.parameters())})
    refs[name] = ref
    print(f"{name}: loss {ref['loss']:.6f}, {len(ref['layers'])} layers, {os.path.getsize(path)} bytes", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", help="comma-separated model names")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    import torchvision
    import transformers
    tokens, images = write_data(args.out)
    refs, failures = {}, {}
    only = set(args.only.split(",")) if args.only else None
    for name, (model_type, kwargs) in HF_MODELS.items():
        if only is None or name in only:
            try:
                make_hf(name, model_type, kwargs, args.out, tokens, refs)
            except Exception as e:  # noqa: BLE001 - record and go on: one architecture must not stop the zoo
                failures[name] = f"{type(e).__name__}: {e}"
                print(f"{name}: FAILED {failures[name]}", flush=True)
    for name, build in vision_models().items():
        if only is None or name in only:
            try:
                make_vision(name, build, args.out, images, refs)
            except Exception as e:  # noqa: BLE001
                failures[name] = f"{type(e).__name__}: {e}"
                print(f"{name}: FAILED {failures[name]}", flush=True)
    with open(os.path.join(args.out, "references.json"), "w") as f:
        json.dump({"torch": torch.__version__, "transformers": transformers.__version__,
                   "torchvision": torchvision.__version__, "context": CONTEXT, "windows": WINDOWS,
                   "images": IMAGES, "models": refs, "failures": failures}, f, indent=1)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
