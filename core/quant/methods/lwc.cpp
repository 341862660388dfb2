// OmniQuant's learnable weight clipping (Shao et al., 2024) on one layer: each group's range is
// clipped to ratios γ·max and β·min that gradient descent learns, rounding passed straight through,
// against the layer's output error ||(Ŵ − W)·X||² over the calibration inputs (from XᵀX). It starts
// from the option's own grid (min-max, or the MSE clip) and keeps a step only in the rows whose
// exact error it lowers, halving that row's step otherwise: never worse than round-to-nearest on
// that objective.

#include "quant_method.h"

namespace bitlens {

namespace {

// Rounding whose gradient is the identity (the straight-through estimator).
torch::Tensor roundThrough(const torch::Tensor& x) { return x + (torch::round(x) - x).detach(); }

struct ClipProblem {
    torch::Tensor grouped; // [R, G, S]
    torch::Tensor lo, hi;  // [R, G, 1]
    torch::Tensor gram;    // [n, n] float32
    torch::Tensor weight;  // [out, n] float32
    WeightQuant quant;
    int64_t qmin = 0, qmax = 0;
    double norm = 1.0;     // ||W·X||², the error's unit

    // Per row of the grouped view (rows share no clip ratio, so each row's error is its own):
    // (ΔW·G·ΔWᵀ)_rr / ||W·X||², summed over a per-tensor grid's one row.
    torch::Tensor rowErrors(const torch::Tensor& dequantized) const
    {
        const torch::Tensor delta = dequantized.reshape(weight.sizes()) - weight;
        const torch::Tensor perRow = (delta.matmul(gram).to(torch::kFloat64) * delta).sum(1) / norm;
        return grouped.size(0) == weight.size(0) ? perRow : perRow.sum().reshape({1});
    }

    IntegerGrid grid(const torch::Tensor& gamma, const torch::Tensor& beta) const
    {
        return integerGridFor(lo * beta, hi * gamma, qmin, qmax, quant.symmetric);
    }

    torch::Tensor exactErrors(const torch::Tensor& gamma, const torch::Tensor& beta) const
    {
        const IntegerGrid g = grid(gamma, beta);
        return rowErrors(g.dequantize(g.codes(grouped)));
    }

    // integerGridFor and the rounding with straight-through gradients, the fp16 rounding of the
    // scale included.
    torch::Tensor surrogateError(const torch::Tensor& gamma, const torch::Tensor& beta) const
    {
        const torch::Tensor l = (lo * beta).clamp_max(0.0), h = (hi * gamma).clamp_min(0.0);
        torch::Tensor scale = quant.symmetric ? torch::maximum(-l, h) / (double(qmax - qmin) / 2.0)
                                              : (h - l) / double(qmax - qmin);
        scale = scale + (scale.to(torch::kHalf).to(torch::kFloat32) - scale).detach();
        scale = torch::where(scale.detach() > 0, scale, torch::ones_like(scale));
        const torch::Tensor zero = quant.symmetric ? torch::zeros_like(scale)
                                                   : (qmin - roundThrough(l / scale)).clamp(qmin, qmax);
        const torch::Tensor codes = (roundThrough(grouped / scale) + zero).clamp(qmin, qmax);
        const torch::Tensor delta = ((codes - zero) * scale).reshape(weight.sizes()) - weight;
        return (delta.matmul(gram) * delta).sum() / norm;
    }
};

} // namespace

ClippingRun learnClipping(const torch::Tensor& matrix, const WeightQuant& quant, const torch::Tensor& gram)
{
    ClipProblem p;
    p.weight = matrix.to(torch::kFloat32).contiguous();
    p.quant = quant;
    std::tie(p.qmin, p.qmax) = integerRange(quant.bits, quant.symmetric);
    p.grouped = groupedView(p.weight, quant);
    p.lo = std::get<0>(p.grouped.min(2, true));
    p.hi = std::get<0>(p.grouped.max(2, true));
    p.gram = gram.to(torch::kFloat32);
    p.norm = std::max((p.weight.matmul(p.gram).to(torch::kFloat64) * p.weight).sum().item<double>(), 1e-30);

    torch::Tensor gamma = clipRatios(p.grouped, p.lo, p.hi, quant), beta = gamma.clone();
    torch::Tensor errors = p.exactErrors(gamma, beta);
    ClippingRun run;
    run.errors.push_back(errors.sum().item<double>());
    torch::Tensor m1 = torch::zeros({2, gamma.numel()}), m2 = torch::zeros({2, gamma.numel()});
    // One step size per row, halved where a step did not lower that row's error.
    torch::Tensor rate = torch::full({gamma.size(0), 1, 1}, kLwcRate);
    torch::AutoGradMode enable(true); // callers may run under NoGradGuard
    for (int step = 1; step <= kLwcSteps && rate.max().item<double>() >= kLwcRate / 64; ++step) {
        const torch::Tensor g = gamma.clone().requires_grad_(true), b = beta.clone().requires_grad_(true);
        const std::vector<torch::Tensor> grads = torch::autograd::grad({p.surrogateError(g, b)}, {g, b});
        const torch::Tensor gradient = torch::stack({grads[0].reshape({-1}), grads[1].reshape({-1})});
        // Adam's direction (OmniQuant trains the clipping with AdamW), bias-corrected.
        m1.mul_(0.9).add_(gradient, 0.1);
        m2.mul_(0.999).addcmul_(gradient, gradient, 0.001);
        const torch::Tensor direction = (m1 / (1 - std::pow(0.9, step))) / ((m2 / (1 - std::pow(0.999, step))).sqrt() + 1e-8);
        const auto moved = [&](const torch::Tensor& x, int row) {
            return (x - rate * direction[row].view_as(x)).clamp(kLwcMinRatio, 1.0);
        };
        const torch::Tensor g2 = moved(gamma, 0), b2 = moved(beta, 1);
        const torch::Tensor tried = p.exactErrors(g2, b2);
        const torch::Tensor better = (tried < errors).view({-1, 1, 1});
        gamma = torch::where(better, g2, gamma);
        beta = torch::where(better, b2, beta);
        errors = torch::where(better.view({-1}), tried, errors);
        rate = torch::where(better, rate, rate / 2);
        if (better.any().item<bool>())
            run.errors.push_back(errors.sum().item<double>());
    }
    const IntegerGrid grid = p.grid(gamma, beta);
    run.quantized = quantizedFromCodes(grid.codes(p.grouped).reshape(p.weight.sizes()), grid);
    run.gamma = gamma.reshape({gamma.size(0), -1});
    run.beta = beta.reshape({beta.size(0), -1});
    return run;
}

MethodResult lwcQuantize(const MethodInput& in)
{
    return {learnClipping(in.matrix, in.quant, in.statistics->gram).quantized, {}};
}

} // namespace bitlens
