#pragma once
// core-internal: the tensors of an AppliedPlan, for evaluation and export.

#include "../quant/layer_compressor.h"
#include "applied_plan.h"

namespace bitlens {

struct AppliedPlan::Impl {
    Model* model = nullptr;
    CompressionPlan plan;
    std::vector<CompressedWeight> layers;  // per layer; effective may alias the model's weight
    std::vector<ActivationEncoding> encodings;
    std::unique_ptr<torch::jit::GraphFunction> forward; // weights as inputs + input fake-quant
    double applySeconds = 0.0;
    double calibrationSeconds = 0.0;

    // What the plan's forward reads: each layer's weight as it meets its (transformed) input.
    std::vector<torch::Tensor> forwardWeights() const;
    std::vector<InputTransform> transforms() const;
};

} // namespace bitlens
