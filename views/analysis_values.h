#pragma once
// What the plot views read out of a ModelAnalysis, with the guards they all need: a cost table's
// cell, whether a Hessian layer's results are in yet, and how a ΔLoss cell reads in a tooltip.
// Threading: no shared state.

#include "core/stats/model_analysis.h"

#include <QString>

namespace bitlens::views {

// The ΔLoss of (layer, option) in `table`; NaN outside it.
double deltaLossAt(const CostTable& table, size_t layer, size_t option);
// "layer · option\nestimator ΔLoss = … nats", a cell's tooltip.
QString deltaLossText(const ModelAnalysis& analysis, const CostTable& table, size_t layer, size_t option);

// The layer's eigenvalues are in (a Hessian run reaches the layers one after another).
bool hessianDone(const LayerHessian& layer);
// The layer's trace is in. Traces come at the end of a run; until then they are 0 with no samples
// (a tiny layer's exact trace has no samples either, but is not 0).
bool traceDone(const LayerHessian& layer);

} // namespace bitlens::views
