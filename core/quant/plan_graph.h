#pragma once
// core-internal: variants of the model's forward graph that run a plan without touching the
// model: each layer's weight from an extra input, and fake quantization inserted before each
// layer's input. Works for any TorchScript model whose layers LayerGraph found.

#include "../model/layer_graph.h"
#include "activation_calibration.h"

namespace bitlens {

// encodings: one per layer (disabled = leave the input alone). weightsAsInputs: the graph takes
// (self, x, w_0, ..., w_{L-1}) and uses w_i wherever layer i's weight was read.
// Throws PlanError for an activation format the graph cannot express.
std::shared_ptr<torch::jit::Graph> buildPlanGraph(const LayerGraph& layers, size_t layerCount,
                                                  const std::vector<ActivationEncoding>& encodings,
                                                  bool weightsAsInputs);

} // namespace bitlens
