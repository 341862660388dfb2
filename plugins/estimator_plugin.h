#pragma once
// The interface a sensitivity estimator plugin implements: it turns numbers BitLens has already
// measured (the bundle's weight quantization errors, Hessian traces, parameter counts) into a cost
// table, predicted ΔLoss per (layer, option), without running the model. Declared and loaded like
// AllocatorPlugin (allocator_plugin.h), with BITLENS_ESTIMATOR_IID and the same JSON metadata.

#include "core/analysis/sensitivity_analysis.h"
#include "core/progress.h"

#include <QtPlugin>

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

struct EstimatorInfo {
    std::string id;
    std::string name;
    std::string description; // one sentence: the formula and what it needs
};

// Ownership: plain value. Every per-layer vector has one entry per layer.
struct EstimatorInput {
    std::vector<std::string> layers;  // qualified names
    std::vector<std::string> options; // labels, as in SensitivityAnalysis::options
    std::vector<std::vector<double>> weightError; // [layer][option] ‖Q(W) − W‖²; NaN where undefined
    std::vector<double> hessianTrace;             // Tr(H_ll); empty when the Hessian was not analysed
    std::vector<int64_t> parameters;              // weights per layer
    double baselineLoss = 0.0;                    // FP32 calibration loss
};

// Threading: estimate() may run on worker threads, several at once.
class SensitivityEstimatorPlugin {
public:
    virtual ~SensitivityEstimatorPlugin() = default;

    virtual std::vector<EstimatorInfo> estimators() const = 0;

    // Fills estimator (the id), deltaLoss [layer][option] (NaN where undefined) and seconds; BitLens
    // derives topLayers and the agreement with measured ΔLoss as for core's estimators. Throws
    // Error (one sentence naming the estimator and the cause) when the input lacks what it needs,
    // Cancelled once progress.cancelled() turns true.
    virtual CostTable estimate(const std::string& id, const EstimatorInput& input, Progress& progress) = 0;
};

} // namespace bitlens

// The version changes whenever this interface or the structs it passes change.
#define BITLENS_ESTIMATOR_IID "org.bitlens.SensitivityEstimatorPlugin/1.0"
Q_DECLARE_INTERFACE(bitlens::SensitivityEstimatorPlugin, BITLENS_ESTIMATOR_IID)
