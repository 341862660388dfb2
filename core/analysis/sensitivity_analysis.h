#pragma once
// Predicted loss change per (layer, option) by several estimators, and how far each agrees with
// the measured one. Plain data; stored in the analysis bundle under /sensitivity and read by
// allocators as cost tables.

#include "rank_correlation.h"

#include "../quant/layer_option.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

// The ids of the registered estimators that run by default (estimator_registry.h describes each).
std::vector<std::string> sensitivityEstimators();
// w2…w8 per-channel, fp8_e4m3, rank0.5 and rank0.25 (candidates, option_spec.h).
std::vector<std::string> defaultSensitivityOptions();

struct SensitivityOptions {
    std::vector<std::string> options = defaultSensitivityOptions();
    std::vector<std::string> estimators = sensitivityEstimators();
};

struct CostTable {
    std::string estimator;
    std::vector<std::vector<double>> deltaLoss; // [layer][option]; NaN where not defined
    double seconds = 0.0;
    int64_t products = 0;                       // Hessian-vector products it took
    RankAgreement agreement;                    // with `measured`, when that was run
    std::vector<std::string> topLayers;         // most sensitive first: mean ΔL over options, 5 at most
};

struct SensitivityAnalysis {
    std::vector<std::string> options;           // candidate names, for display and files
    std::vector<std::vector<LayerOption>> layerOptions; // [layer][option]: what each option gives that layer
    int64_t samples = 0;
    double baselineLoss = 0.0;                  // FP32 calibration loss the changes are relative to
    std::vector<CostTable> tables;              // in the order of SensitivityOptions::estimators
    std::vector<std::string> problems;          // cells that came out NaN or infinite, layer named
    bool empty() const { return tables.empty(); }
    const CostTable* table(const std::string& estimator) const;
};

// The layers with the largest mean finite ΔL over options, most sensitive first.
std::vector<std::string> mostSensitiveLayers(const std::vector<std::vector<double>>& deltaLoss,
                                             const std::vector<std::string>& layers, size_t count);
// Spearman ρ and Kendall τ-b of `predicted` against `measured` over cells finite in both.
RankAgreement agreementOf(const std::vector<std::vector<double>>& predicted,
                          const std::vector<std::vector<double>>& measured);

} // namespace bitlens
