#pragma once
// core-internal: the Hessian analysis on an existing HessianOperator, so sensitivity estimators can
// reuse its cached graphs.

#include "hessian_analysis.h"
#include "hessian_operator.h"

namespace bitlens {

// Per layer options.layers selects: Lanczos (full re-orthogonalisation) for the top-k eigenvalues;
// its tridiagonal matrix, plus densityVectors − 1 more runs, for the SLQ density; one more product
// for the top eigenvector's Rayleigh quotient per batch. Traces: the Krylov basis of each layer's
// run carries its exact part (Σα) and estimateTraces the rest (trace_estimator.h). Throws Error on a
// layer pattern that selects nothing, Cancelled.
HessianAnalysis analyzeHessian(HessianOperator& op, const std::vector<std::string>& layerNames,
                               const HessianOptions& options, Progress& progress,
                               const LayerHessianCallback& onLayer = {});

} // namespace bitlens
