#pragma once
// The bridge from an analysis to an allocator: a cost table's predicted ΔLoss per (layer, option),
// each option's exact bytes and BOPs from the memory model, and back from chosen labels to a
// CompressionPlan.

#include "../quant/compression_plan.h"
#include "../stats/model_analysis.h"
#include "allocation.h"
#include "allocation_problem.h"

#include <optional>
#include <string>

namespace bitlens {

// A budget as written on the command line: "4bits" / "4.5bits" (average bits per compressible
// weight, metadata included, biases in fp32 on top) or "12MB", "900kB", "123456B" (bytes of the
// compressible layers). Throws AllocationError for anything else.
int64_t budgetBytesFromText(const std::string& text, const std::vector<LayerInfo>& layers);
// 1/100 bit per compressible weight in bytes (at least 1): the knapsack's default resolution.
int64_t hundredthBitResolution(const std::vector<LayerInfo>& layers);

// Layers and options from the analysis's sensitivity table of `estimator`, each option holding what
// it gives the layer (SensitivityAnalysis::layerOptions); bytes and BOPs from layerCost of that.
// Throws AllocationError when the bundle has no such table, or (from validate) a cell is NaN,
// naming the layer and option.
AllocationProblem problemFromAnalysis(const ModelAnalysis& analysis, const std::string& estimator, int64_t budgetBytes,
                                      std::optional<double> budgetBops);
// The plan whose layer i takes problem.layers[i].options[choices[i]].option.
CompressionPlan planFromChoices(const AllocationProblem& problem, const std::vector<int>& choices);

// The inverse: per layer, the first index into layerOptions[layer] (SensitivityAnalysis::layerOptions)
// whose option is the one `plan` gives that layer; -1 where none is (FP32 weights, or a hand-made
// option no table has).
std::vector<int> choicesFromPlan(const CompressionPlan& plan, const std::vector<LayerInfo>& layers,
                                 const std::vector<std::vector<LayerOption>>& layerOptions);

} // namespace bitlens
