#pragma once
// The instant preview of a plan: its exact bytes, bits and BOPs, and the loss change a cost table
// predicts for it (the sum of its layers' cells). Torch-free plain arithmetic, fast enough to run
// on every slider move.

#include "../analysis/sensitivity_analysis.h"
#include "../quant/memory_cost.h"

#include <string>
#include <vector>

namespace bitlens {

struct PlanPrediction {
    PlanCost cost;
    std::string estimator;            // the cost table used; empty when there is none
    double deltaLoss = 0.0;           // Σ over layers of the table's cell at the layer's option
    std::vector<double> layerDeltaLoss; // per layer: the cell, 0 for FP32, NaN when the table lacks the option
    int64_t unpredictedLayers = 0;    // layers left out of the sum (NaN cells)
    double predictedLoss = 0.0;       // the table's baseline calibration loss + deltaLoss
};

// `sensitivity` may be empty (no table: deltaLoss 0, every compressed layer unpredicted). The
// estimator's table is used when present, else the first one.
PlanPrediction predictPlan(const CompressionPlan& plan, const std::vector<LayerInfo>& layers, int64_t totalParams,
                           const SensitivityAnalysis& sensitivity, const std::string& estimator);

} // namespace bitlens
