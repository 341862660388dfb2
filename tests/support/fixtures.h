#pragma once
// Writes small files the test suites load: models and datasets with known answers.

#include <string>

namespace bitlens::testing {

// A valid TorchScript module whose forward is x * 2: loads, but has no compressible layer.
void writeModelWithoutLayers(const std::string& path);

// A TorchScript module holding one Linear layer "fc" (in -> out, with bias) whose class carries
// the stock torch.nn Linear type name, as a scripted nn.Linear does. forward flattens its input.
void writeLinearModel(const std::string& path, int in, int out);

// `depth` Linear layers "l0", "l1", ... of width x width (no bias) with ReLUs between them: a
// synthetic model of any size, for benchmarks at the scale of large language models' blocks.
void writeLinearStack(const std::string& path, int width, int depth);

// A square Linear layer "fc" (width x width) applied twice inside a loop of forward: a layer call
// that is not at the top level of the graph.
void writeLoopModel(const std::string& path, int width);

// A TorchScript archive whose forward calls `op` (e.g. "scaled_dot_product_attention"), an
// operator this LibTorch may not have: written with softmax, then its code rewritten, as a
// newer PyTorch's export would read to an older LibTorch.
void writeModelCallingOperator(const std::string& path, const std::string& op);

// A LLaMA-shaped decoder at toy size: token embedding "embed" (vocab x width), `blocks` blocks of
// pre-norm causal attention with separate projections "bI_q", "bI_k", "bI_v", "bI_o" and a gated
// SiLU MLP "bI_gate", "bI_up", "bI_down" (width x 2 width), an untied head "head". Weights drawn
// with variance 1 / fan-in (the embedding's 1), so logits are far from uniform. forward takes
// int64 tokens [N, T] and returns logits [N, T, vocab].
void writeTinyDecoder(const std::string& path, int vocab, int width, int heads, int blocks);

} // namespace bitlens::testing
