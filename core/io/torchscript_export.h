#pragma once
// Writes a plan's fake-quantized model as TorchScript that stock PyTorch loads: the layers'
// weights replaced by their compressed values and, when the plan quantizes layer inputs, a
// forward with the fake-quant ops inserted.

#include <string>

namespace bitlens {

class AppliedPlan;

// Reloads the model from its file (the live model is untouched) and writes `path` directly.
// Throws Error naming `path` and the cause.
void writeTorchScript(const AppliedPlan& plan, const std::string& path);

} // namespace bitlens
