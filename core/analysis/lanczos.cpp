#include "lanczos.h"

#include "../size_guard.h"

#include <ATen/CPUGeneratorImpl.h>
#include <Eigen/Eigenvalues>

#include <cmath>

namespace bitlens {
namespace {

struct Tridiagonal {
    Eigen::VectorXd values;  // ascending
    Eigen::MatrixXd vectors; // columns
};

Tridiagonal decompose(const std::vector<double>& alpha, const std::vector<double>& beta)
{
    const Eigen::Index m = Eigen::Index(alpha.size());
    Eigen::VectorXd diag = Eigen::Map<const Eigen::VectorXd>(alpha.data(), m);
    Eigen::VectorXd sub = m > 1 ? Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(beta.data(), m - 1)) : Eigen::VectorXd();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver;
    solver.computeFromTridiagonal(diag, sub, Eigen::ComputeEigenvectors);
    return {solver.eigenvalues(), solver.eigenvectors()};
}

// Every one of the top-k Ritz pairs has residual |β_m s_{m,i}| ≤ tolerance·|θ_i|.
bool topConverged(const Tridiagonal& t, double nextBeta, int topK, double tolerance)
{
    const Eigen::Index m = t.values.size();
    if (m < topK)
        return false;
    for (Eigen::Index i = m - 1; i >= m - topK; --i) {
        const double residual = std::abs(nextBeta * t.vectors(m - 1, i));
        if (residual > tolerance * std::abs(t.values(i)))
            return false;
    }
    return true;
}

} // namespace

int lanczosStepsThatFit(int64_t n, int wanted)
{
    const double memory = double(physicalMemoryBytes());
    const double rows = 0.5 * memory / (8.0 * double(std::max<int64_t>(n, 1)));
    return int(std::min<double>(wanted, std::floor(rows)));
}

LanczosResult lanczos(const SymmetricOperator& op, const torch::Tensor& start, const LanczosOptions& options,
                      const std::function<void(int)>& onStep)
{
    const int64_t n = start.numel();
    const int maxSteps = int(std::min<int64_t>(options.maxSteps, n));
    LanczosResult r;
    // Rows are reserved as the run goes (doubling): a whole model's maxSteps × n would not fit.
    // The basis lives on start's device: re-orthogonalisation reads all of it at every step.
    const torch::TensorOptions where = torch::dtype(torch::kFloat64).device(start.device());
    torch::Tensor basis = torch::empty({std::min(maxSteps, 8), n}, where);
    torch::Tensor v = start.to(torch::kFloat64).reshape({-1});
    v = v / v.norm();
    Tridiagonal t;
    int steps = 0;
    for (int j = 0; j < maxSteps; ++j) {
        if (j == basis.size(0))
            basis = torch::cat({basis, torch::empty({std::min<int64_t>(j, maxSteps - j), n}, where)});
        basis[j].copy_(v);
        torch::Tensor w = op(v);
        if (onStep)
            onStep(j + 1);
        if (!torch::isfinite(w).all().item<bool>()) {
            r.finite = false;
            break;
        }
        r.alpha.push_back(at::dot(w, v).item<double>());
        // Full re-orthogonalisation, twice (Kahan's "twice is enough"): without it the Ritz values
        // of a long run repeat the top eigenvalues as ghosts.
        const torch::Tensor done = basis.narrow(0, 0, j + 1);
        for (int pass = 0; pass < 2; ++pass)
            w -= at::matmul(done.t(), at::matmul(done, w));
        const double beta = w.norm().item<double>();
        steps = j + 1;
        t = decompose(r.alpha, r.beta);
        const double scale = std::max(std::abs(t.values(0)), std::abs(t.values(steps - 1)));
        // β ≈ 0: the Krylov space is invariant and its Ritz values are exact eigenvalues. Short of
        // the steps asked for (a density, a full basis), go on from a fresh vector orthogonal to it:
        // T gets a zero off-diagonal entry. Degenerate blocks are common: BatchNorm makes a layer's
        // loss invariant to each channel's scale.
        const bool exhausted = beta <= 1e-12 * std::max(scale, 1e-300);
        if (steps == n || (steps >= options.minSteps && (exhausted || topConverged(t, beta, options.topK, options.tolerance)))) {
            r.converged = true;
            break;
        }
        if (exhausted) {
            at::Generator restart = at::make_generator<at::CPUGeneratorImpl>(uint64_t(steps));
            w = torch::randn({n}, restart, torch::kFloat64).to(where);
            for (int pass = 0; pass < 2; ++pass)
                w -= at::matmul(done.t(), at::matmul(done, w));
            r.beta.push_back(0.0);
            v = w / w.norm();
            continue;
        }
        r.beta.push_back(beta);
        v = w / beta;
    }
    r.beta.resize(r.alpha.empty() ? 0 : r.alpha.size() - 1); // a run cut short keeps T square
    r.basis = basis.narrow(0, 0, steps).clone();
    if (steps == 0)
        return r;
    for (Eigen::Index i = t.values.size() - 1; i >= 0; --i) {
        r.ritzValues.push_back(t.values(i));
        r.ritzWeights.push_back(t.vectors(0, i) * t.vectors(0, i));
    }
    const Eigen::Index top = t.values.size() - 1;
    const torch::Tensor s = torch::from_blob(const_cast<double*>(t.vectors.col(top).data()), {steps}, torch::kFloat64).to(where);
    r.topRitzVector = at::matmul(r.basis.t(), s);
    return r;
}

} // namespace bitlens
