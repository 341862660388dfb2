#pragma once
// A cost table for a model BitLens cannot run (a weight-only analysis: no data, so no measured
// loss change and no Hessian): estimator "weight-error", whose ΔLoss proxy for a layer and option
// is the weights' squared quantization error ‖Q(W) − W‖². That is HAWQ's Tr(H)/n · ‖Q(W) − W‖²
// with H = I: every weight of every layer assumed equally important to the loss. Within a layer
// it orders options correctly (fewer bits, more error); across layers it ignores curvature, so it
// spends bits on large, high-variance layers whether or not the loss cares. Its values are not a
// loss: the table's baseline loss is NaN, and it agrees with nothing measured.

#include "../model/layer_info.h"
#include "../stats/model_analysis.h"
#include "sensitivity_analysis.h"

#include <vector>

namespace bitlens {

constexpr const char* kWeightErrorEstimator = "weight-error";

// Options: the quantization-error table's specs (candidates, option_spec.h). A cell is the error
// of the option the spec resolves to for the layer (a group size that does not divide it
// falls back to per-channel); NaN, and a line in `problems`, when the table lacks that option.
SensitivityAnalysis weightErrorSensitivity(const QuantErrorTable& quantError, const std::vector<LayerInfo>& layers);

} // namespace bitlens
