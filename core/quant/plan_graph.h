#pragma once
// core-internal: variants of the model's forward graph that run a plan without touching the
// model: each layer's weight from an extra input, and fake quantization inserted before each
// layer's input. Works for any TorchScript model whose layers LayerGraph found.

#include "../model/layer_graph.h"
#include "activation_calibration.h"
#include "input_transform.h"

namespace bitlens {

// encodings: one per layer (disabled = leave the input alone). transforms: one per layer or
// none; a layer's input becomes T·x (before its fake quantization), so its weight must be the
// transformed one (CompressedWeight::transformed). weightsAsInputs: the graph takes
// (self, x, w_0, ..., w_{L-1}) and uses w_i wherever layer i's weight was read.
// Throws PlanError for an activation format the graph cannot express.
std::shared_ptr<torch::jit::Graph> buildPlanGraph(const LayerGraph& layers, const std::vector<LayerInfo>& layerInfo,
                                                  const std::vector<ActivationEncoding>& encodings,
                                                  const std::vector<InputTransform>& transforms, bool weightsAsInputs);

} // namespace bitlens
