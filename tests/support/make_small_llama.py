#!/usr/bin/env python3
"""The 3.2 M-parameter LLaMA of the trace benchmark (bench_llama_traces): 4 blocks, hidden 256,
4 heads, MLP 688, vocabulary 256, random weights (Hugging Face's initialisation, seed 0),
traced with eager attention by scripts/export_torchscript.py; and its data, 64 windows of 64
random tokens (4,096) + 1 in small_llama_tokens.h5. Needs transformers (the device machine):

  python3 tests/support/make_small_llama.py --out DIR
"""
import argparse
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import export_torchscript as export  # noqa: E402

VOCAB, CONTEXT, WINDOWS = 256, 64, 64


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    import transformers
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(
        "llama", vocab_size=VOCAB, hidden_size=256, intermediate_size=688, num_hidden_layers=4,
        num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=2 * CONTEXT,
        pad_token_id=0, bos_token_id=1, eos_token_id=2)
    with tempfile.TemporaryDirectory() as checkpoint:
        transformers.AutoModelForCausalLM.from_config(config).save_pretrained(checkpoint)
        model = export.load_hf(checkpoint, True)
    os.makedirs(args.out, exist_ok=True)
    data = os.path.join(args.out, "small_llama_tokens.h5")
    tokens = torch.randint(3, VOCAB, (WINDOWS * CONTEXT + 1,), generator=torch.Generator().manual_seed(1))
    export.write_tokens(data, tokens)
    out = os.path.join(args.out, "small_llama.pt")
    export.export_hf(model, out, CONTEXT, VOCAB, "small_llama_tokens.h5")
    print(f"{out}: {sum(p.numel() for p in model.parameters())} parameters, torch {torch.__version__}, "
          f"transformers {transformers.__version__}")


if __name__ == "__main__":
    main()
