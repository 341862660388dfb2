#pragma once
// core-internal: per-layer Hessian traces whose sampling error is controlled for every layer, small
// ones included. Hutch++ in spirit: each layer's Lanczos basis is the exact low-rank part (Σα), and
// Hutchinson estimates the rest from Rademacher probes projected off that basis.
//
// Two kinds of probe. A whole-model product gives one sample for every layer at once, but each
// layer's sample also carries the cross-layer terms zₗᵀ H_lm z_m: zero mean, yet in a transformer
// the large-curvature blocks (embedding, V/O projections, the head) make them swamp the small
// layers' traces. A layer-local product (H_ll z) has no cross terms but serves one layer. So:
// whole-model probes first (minTraceSamples, when several layers are analysed), then a short
// layer-local pilot for every layer not yet within target, then each layer continues with the kind
// whose measured variance × measured cost reaches its target sooner. Both kinds are unbiased; a
// layer's estimate combines them by inverse variance. A block small enough that its n diagonal
// entries take fewer products than the probes still needed is summed exactly instead.

#include "hessian_analysis.h"
#include "hessian_operator.h"

#include <ATen/core/Generator.h>

namespace bitlens {

class Progress;

struct TraceInput {
    size_t layer = 0;        // index into the operator's layers
    torch::Tensor basis;     // [k, n] orthonormal rows (the Lanczos basis); the sampled part is its complement
    double exact = 0.0;      // tr(Qᵀ H Q) = Σα of the Lanczos run
};

struct TraceEstimate {
    double trace = 0.0;
    double stdErr = 0.0;     // 0 when the basis spans the layer's space
    int64_t samples = 0;     // products in all
    int64_t localSamples = 0; // of them, with the layer's block alone (probes or unit vectors)
    bool converged = false;
};

// A trace's error target: traceTolerance × |trace|, with a floor of traceFloor × Σ|trace| of the
// analysed layers (totalAbsTrace).
double traceErrorTarget(double trace, double totalAbsTrace, const HessianOptions& options);

// One estimate per input, in order. Stops a layer when its standard error ≤ max(traceTolerance ×
// |trace|, traceFloor × Σ|trace| of all inputs) after at least minTraceSamples probes; at most
// maxTraceSamples of each kind. Progress between `from` and `to`. Throws Cancelled.
std::vector<TraceEstimate> estimateTraces(HessianOperator& op, const std::vector<TraceInput>& inputs,
                                          const HessianOptions& options, at::Generator& generator, Progress& progress,
                                          double from, double to);

} // namespace bitlens
