#pragma once
// Hessian analyses of disjoint layer subsets of one model (a long analysis split with --layers,
// or resumed after a stop) joined into one, as if run together.

#include "hessian_analysis.h"

#include <string>
#include <vector>

namespace bitlens {

// Each layer's figures come from the part that analysed it; products and seconds add up; every
// trace's convergence is judged again against the joined floor (traceFloor × Σ|trace| of all
// analysed layers, never lower than a part's own). The analysed layers' joint top eigenvalues
// cannot be joined from parts: they are left out, saying so. `labels` name the parts in errors
// (their files). Throws Error when parts were taken over other calibration batches (samples,
// batches or loss differ), with another trace rule, or share a layer.
HessianAnalysis mergeHessianParts(const std::vector<HessianAnalysis>& parts, const std::vector<std::string>& labels,
                                  const std::vector<std::string>& layerNames);

} // namespace bitlens
