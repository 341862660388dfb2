#pragma once
// core-internal: the Lanczos iteration with full re-orthogonalisation on a symmetric operator given
// as products with flat float64 vectors: top eigenvalues (Ritz values), the tridiagonal matrix
// stochastic Lanczos quadrature reads the spectral density from, and the Krylov basis, which the
// trace estimator uses to take the dominant directions out of Hutchinson's variance.

#include <cstdint>
#include <functional>
#include <vector>

namespace bitlens {

using SymmetricOperator = std::function<torch::Tensor(const torch::Tensor&)>;

struct LanczosOptions {
    int topK = 3;
    double tolerance = 1e-3; // stop when every top-k Ritz pair's residual ≤ tolerance·|θ|
    int minSteps = 0;        // keep going at least this far (for the density)
    int maxSteps = 100;
};

struct LanczosResult {
    std::vector<double> alpha;       // T's diagonal, one per step
    std::vector<double> beta;        // T's off-diagonal, alpha.size() − 1
    torch::Tensor basis;             // [steps, n] float64, orthonormal rows
    std::vector<double> ritzValues;  // T's eigenvalues, descending
    std::vector<double> ritzWeights; // squared first components of T's eigenvectors (SLQ weights)
    torch::Tensor topRitzVector;     // [n] float64, unit, for ritzValues[0]
    bool converged = false;          // the top-k tolerance was met (or the space exhausted)
    bool finite = true;              // false when a product returned NaN or infinity
};

// How many Lanczos steps on vectors of n entries fit in memory, at most `wanted`: the basis
// (float64, one row per step) may take half of the machine's physical memory.
int lanczosStepsThatFit(int64_t n, int wanted);

// `start` need not be normalised. onStep(step) is called after every product.
LanczosResult lanczos(const SymmetricOperator& op, const torch::Tensor& start, const LanczosOptions& options,
                      const std::function<void(int)>& onStep = {});

} // namespace bitlens
