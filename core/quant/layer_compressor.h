#pragma once
// core-internal: one layer's weight stored as a LayerOption says: the weight evaluation uses,
// and the parts a packed export writes (the quantized matrix, or the two quantized factors).

#include "input_transform.h"
#include "layer_statistics.h"
#include "weight_quantizer.h"

#include <optional>

namespace bitlens {

struct CompressedWeight {
    torch::Tensor effective;             // float32, the layer's original weight shape
    // The method's input transform T, and the weight that meets T·x: Q(W·T⁻¹) in the original
    // shape (effective = transformed·T). Identity, and transformed = effective, for most methods.
    InputTransform transform;
    torch::Tensor transformed;
    std::optional<QuantizedMatrix> full; // rank == 0: the [out, in*k*k] matrix
    std::optional<QuantizedMatrix> left; // rank > 0: U·sqrt(S), [out, r]
    std::optional<QuantizedMatrix> right;// rank > 0: sqrt(S)·Vᵀ, [r, in*k*k]
};

// Truncated SVD of the [out, in*k*k] view at `rank`, sqrt(S) split evenly between the factors so
// both quantize with similar ranges. Returns {left, right}.
std::pair<torch::Tensor, torch::Tensor> lowRankFactors(const torch::Tensor& matrix, int rank);

// Does not modify `weight`. `statistics`: the layer's calibration inputs, which every method but
// rtn needs (cachedLayerStatistics). Throws PlanError for options the weight cannot take.
CompressedWeight compressWeight(const torch::Tensor& weight, const LayerOption& option,
                                const LayerStatistics* statistics = nullptr);

} // namespace bitlens
