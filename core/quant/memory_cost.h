#pragma once
// Exact storage and compute cost of a plan: plain arithmetic on LayerInfo and LayerOption, so
// the GUI's instant preview can call it without LibTorch.

#include "compression_plan.h"

#include <cstdint>
#include <vector>

namespace bitlens {

struct LayerCost {
    int64_t storedValues = 0;   // weight values stored: out*in*k*k, or rank*(m+n) when factored
    int64_t payloadBits = 0;    // storedValues * weight bits * terms (packed)
    int64_t scaleCount = 0;     // fp16 scales
    int64_t zeroPointCount = 0; // one per scale when asymmetric
    int64_t metadataBytes = 0;  // 2 per scale + zero-point bytes + the method's (methodBytes)
    int64_t methodBytes = 0;    // a method's own: 2 per input-channel scale, 8 for a rotation's seed,
                                // sqllm's codebooks (2 per entry) and sparse weights (CSR)
    int64_t biasBytes = 0;      // fp32
    int64_t bytes = 0;          // ceil(payloadBits / 8) + metadataBytes + biasBytes
    double bitsPerWeight = 0;   // (payload + metadata bits) / original weight count
    int64_t macs = 0;           // per sample, after factoring
    int64_t bops = 0;           // macs * weight bits * terms * activation bits
};

struct PlanCost {
    std::vector<LayerCost> layers; // in the order of the LayerInfo list
    int64_t layerBytes = 0;        // compressible layers, as planned
    int64_t otherBytes = 0;        // every other parameter, fp32
    int64_t totalBytes = 0;
    int64_t fp32Bytes = 0;         // the whole model stored as fp32
    double averageBits = 0;        // over compressible weights, metadata included
    double compressionRatio = 0;   // fp32Bytes / totalBytes
    int64_t bops = 0;              // per sample; 0 when MACs are unknown
};

LayerCost layerCost(const LayerInfo& layer, const LayerOption& option);
// totalParams: every parameter of the model (compressible or not), as Model::totalParams().
PlanCost planCost(const std::vector<LayerInfo>& layers, int64_t totalParams, const CompressionPlan& plan);

} // namespace bitlens
