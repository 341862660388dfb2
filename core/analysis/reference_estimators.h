#pragma once
// core-internal: the straightforward estimators PyHessian uses, kept as the baseline BitLens's
// Hessian engine is measured against (tests and bench_hessian): power iteration with deflation for
// the top eigenvalues, and Hutchinson's trace one layer at a time.

#include "lanczos.h"

#include <cstdint>
#include <vector>

namespace bitlens {

struct PowerIterationResult {
    std::vector<double> eigenvalues; // in the order found (largest magnitude first)
    int64_t products = 0;
};

// Each eigenvalue: up to maxIterations products, stopping when the Rayleigh quotient changes by
// less than tolerance relative to the previous one; later ones orthogonalise against the earlier
// eigenvectors (deflation). Random start vectors from `generator`.
PowerIterationResult powerIteration(const SymmetricOperator& op, int64_t n, int k, int maxIterations, double tolerance,
                                    at::Generator& generator);

struct HutchinsonResult {
    double trace = 0.0;
    double standardError = 0.0;
    int64_t samples = 0;
};

// Rademacher samples vᵀHv until the running mean changes by less than tolerance relative to the
// previous mean, or maxSamples.
HutchinsonResult hutchinsonTrace(const SymmetricOperator& op, int64_t n, int maxSamples, double tolerance,
                                 at::Generator& generator);

// A Rademacher ±1 vector, float64, on `device`: drawn from the CPU generator either way, so a seed
// gives the same vector on every device.
torch::Tensor rademacher(int64_t n, at::Generator& generator, torch::Device device = torch::kCPU);

} // namespace bitlens
