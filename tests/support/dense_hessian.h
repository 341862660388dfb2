#pragma once
// For the suites that check core's Hessian machinery: a layer's block formed column by column
// (H e_i), as torch.autograd.functional.hessian does, and its dense eigenvalues (Eigen's, in
// dense_linalg). Include after LibTorch.

#include "core/analysis/hessian_operator.h"
#include "core/progress.h"
#include "tests/support/dense_linalg.h"

namespace bitlens::testing {

// n x n, float64, as the products came: symmetric up to their float32 rounding.
inline torch::Tensor denseHessianBlock(HessianOperator& op, size_t layer)
{
    const int64_t n = op.layerSize(layer);
    std::vector<torch::Tensor> columns;
    NullProgress progress;
    for (int64_t i = 0; i < n; ++i) {
        torch::Tensor e = torch::zeros({n}, torch::kFloat64);
        e[i] = 1.0;
        columns.push_back(op.layerProduct(layer, e, progress).to(torch::kFloat64));
    }
    return torch::stack(columns, 1);
}

// The eigenvalues of a symmetric float64 matrix, ascending.
inline std::vector<double> symmetricEigenvalues(const torch::Tensor& m)
{
    const torch::Tensor c = m.to(torch::kFloat64).contiguous();
    return symmetricEigenvalues(c.data_ptr<double>(), c.size(0));
}

} // namespace bitlens::testing
