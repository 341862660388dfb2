#pragma once
// The CSV tables of a report folder (README "Reports"): per-layer statistics, the sensitivity
// cost tables, and a plan layer by layer. Plain text from plain structs, torch- and Qt-free, so
// the GUI and bitlens-report write the same bytes. Numbers are locale-independent and round-trip
// exactly; a figure not analysed (or NaN) is an empty cell; fields are quoted as RFC 4180 says
// when they need it.

#include "../alloc/plan_prediction.h"
#include "../stats/model_analysis.h"

#include <string>

namespace bitlens {

// One row per layer of `analysis`: name, kind, shape, params, macs, weight statistics (kurtosis,
// std, absmax, % beyond each k·σ of the analysis, outlier channels), input statistics (kurtosis,
// absmax, p99.99), Hessian (λ₁, its spread over batches, trace, trace std. error), spectra (α,
// stable rank, effective rank, rank for 95 % energy) and SQNR at w4 / w8 per channel. The header
// is the same whatever was analysed (only the k·σ columns follow the analysis's sigma multiples).
std::string layerStatisticsCsv(const ModelAnalysis& analysis);

// One row per (layer, option), layers outer: layer, option, then predicted ΔLoss per estimator
// in table order. Only the header when nothing was analysed.
std::string sensitivityCsv(const SensitivityAnalysis& sensitivity, const std::vector<LayerInfo>& layers);

// One row per layer of `layers`: layer, option label, weight format and bits, rank (0 = full),
// activation bits (32 = not quantized), exact bytes, bits per weight, BOPs, and the predicted
// ΔLoss of the prediction's estimator (empty where its table has no such option).
std::string planCsv(const CompressionPlan& plan, const std::vector<LayerInfo>& layers, const PlanPrediction& prediction);

} // namespace bitlens
