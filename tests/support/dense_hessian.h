#pragma once
// For the suites that check core's Hessian machinery: a layer's block formed column by column
// (H e_i), as torch.autograd.functional.hessian does. Include after LibTorch and Eigen.

#include "core/analysis/hessian_operator.h"
#include "core/progress.h"

#include <Eigen/Dense>

namespace bitlens::testing {

inline Eigen::MatrixXd denseHessianBlock(HessianOperator& op, size_t layer)
{
    const int64_t n = op.layerSize(layer);
    Eigen::MatrixXd h(n, n);
    NullProgress progress;
    for (int64_t i = 0; i < n; ++i) {
        torch::Tensor e = torch::zeros({n}, torch::kFloat64);
        e[i] = 1.0;
        const torch::Tensor col = op.layerProduct(layer, e, progress).contiguous();
        h.col(i) = Eigen::Map<const Eigen::VectorXd>(col.data_ptr<double>(), n);
    }
    return h;
}

} // namespace bitlens::testing
