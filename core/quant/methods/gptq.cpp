// GPTQ (Frantar et al., 2022): quantize the columns of W one at a time and spread each column's
// rounding error over the columns not yet quantized, weighted by the inverse of the layer's input
// Hessian H = XᵀX (its upper Cholesky factor U), so the layer's output on the calibration inputs
// moves as little as possible. Updates are applied lazily per block of columns.

#include "quant_method.h"

#include "../../torch_error.h"
#include "../compression_plan.h"

namespace bitlens {
namespace {

using torch::indexing::Slice;

// The grid one column is rounded on: its rows' scales and zero-points.
IntegerGrid columnGrid(const IntegerGrid& grid, int64_t group)
{
    IntegerGrid g = grid;
    g.scale = grid.scale.select(1, group).reshape({-1});
    g.zeroPoint = grid.zeroPoint.select(1, group).reshape({-1});
    return g;
}

// U with Uᵀ·U = (H + λI)⁻¹, λ the dampening; throws PlanError when H cannot be factored. In
// float32, as the paper's code does: the dampening keeps H well conditioned, and the three
// factorisations of a 4096² H take a quarter of their float64 time.
torch::Tensor inverseFactor(torch::Tensor h)
{
    h.diagonal().add_(kGptqDampening * h.diagonal().mean().item<double>());
    try {
        const torch::Tensor inverse = torch::cholesky_inverse(torch::linalg_cholesky(h.to(torch::kFloat32)));
        return torch::linalg_cholesky(inverse).t().contiguous();
    } catch (const c10::Error& e) {
        throw PlanError("gptq: the calibration inputs' XᵀX is not positive definite even dampened ("
                        + torchErrorSummary(e) + ")");
    }
}

} // namespace

MethodResult gptqQuantize(const MethodInput& in, bool activationOrder)
{
    const WeightQuant& q = in.quant;
    torch::Tensor w = in.matrix.to(torch::kFloat32).clone();
    const int64_t rows = w.size(0), cols = w.size(1);
    torch::Tensor h = in.statistics->gram.clone();
    if (h.size(0) != cols)
        throw PlanError("gptq: XᵀX has " + std::to_string(h.size(0)) + " columns where the weight has " + std::to_string(cols));
    const bool grouped = q.granularity == Granularity::PerGroup;
    if (grouped && (q.groupSize <= 0 || cols % q.groupSize != 0))
        throw PlanError("group size " + std::to_string(q.groupSize) + " does not divide the input dimension " + std::to_string(cols));
    // Inputs that were always zero: their weights cannot matter, and H needs a non-zero diagonal.
    const torch::Tensor dead = h.diagonal() == 0;
    h.diagonal().masked_fill_(dead, 1.0);
    w.index_put_({Slice(), dead}, 0.0f);

    // Grids known before the first column: per-tensor, per-channel, and (with activation order,
    // whose columns jump between groups) each group's grid from the weights as they are.
    const bool fixedGrids = !grouped || activationOrder;
    IntegerGrid grid = fitIntegerGrid(w, q);
    torch::Tensor order = torch::arange(cols, torch::kLong);
    if (activationOrder) {
        order = std::get<1>(h.diagonal().sort(0, /*descending=*/true));
        w = w.index_select(1, order);
        h = h.index_select(0, order).index_select(1, order);
    }
    const torch::Tensor u = inverseFactor(h);
    const int64_t groupSize = grouped ? q.groupSize : cols;
    const int64_t block = grouped ? q.groupSize * std::max<int64_t>(1, kGptqBlock / q.groupSize) : kGptqBlock;
    const auto* natural = order.data_ptr<int64_t>();

    torch::Tensor wt = w.t().contiguous(); // row i: the i-th column to quantize
    torch::Tensor codes = torch::empty({cols, rows}, torch::kFloat32);
    torch::Tensor errors = torch::empty({block, rows}, torch::kFloat32);
    const float* diag = u.data_ptr<float>();
    for (int64_t b0 = 0; b0 < cols; b0 += block) {
        const int64_t b1 = std::min(b0 + block, cols);
        for (int64_t i = b0; i < b1; ++i) {
            const int64_t column = natural[i];
            if (!fixedGrids && column % groupSize == 0) {
                // The group's grid from its columns as the updates left them: they lie in this block.
                WeightQuant perRow = q;
                perRow.granularity = Granularity::PerChannel;
                const IntegerGrid g = fitIntegerGrid(wt.slice(0, i, i + groupSize).t(), perRow);
                grid.scale.select(1, column / groupSize).copy_(g.scale.select(1, 0));
                grid.zeroPoint.select(1, column / groupSize).copy_(g.zeroPoint.select(1, 0));
            }
            const IntegerGrid g = columnGrid(grid, grouped ? column / groupSize : 0);
            const torch::Tensor x = wt[i];
            const torch::Tensor c = g.codes(x);
            codes[i].copy_(c);
            const torch::Tensor err = (x - g.dequantize(c)) / diag[i * cols + i];
            if (i + 1 < b1)
                wt.slice(0, i + 1, b1).addr_(u[i].slice(0, i + 1, b1), err, 1.0, -1.0);
            errors[i - b0].copy_(err);
        }
        if (b1 < cols)
            wt.slice(0, b1).addmm_(u.slice(0, b0, b1).slice(1, b1).t(), errors.slice(0, 0, b1 - b0), 1.0, -1.0);
    }
    if (activationOrder)
        codes = codes.index_select(0, torch::argsort(order));
    return {quantizedFromCodes(codes.t(), grid), {}};
}

} // namespace bitlens
