#pragma once
// core-internal: which part of what forward returns is the model's output (logits). A tensor is
// itself; a dict (Hugging Face's ModelOutput, traced with strict=False) gives its "logits" entry,
// else its first tensor value; a tuple or list gives its first tensor element.

#include <string>

namespace bitlens {

// Undefined when `out` holds no tensor by that rule.
torch::Tensor logitsOf(const c10::IValue& out);
// The same, or EvalError naming the model file and what forward returned.
torch::Tensor outputTensor(const c10::IValue& out, const std::string& modelPath);

} // namespace bitlens
