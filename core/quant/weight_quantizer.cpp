#include "weight_quantizer.h"

#include "compression_plan.h"

namespace bitlens {
namespace {

// Candidate clip ratios for MSE-optimal ranges: 1.0 down to 0.325 in steps of 0.025.
constexpr int kClipCandidates = 28;

} // namespace

torch::Tensor groupedView(const torch::Tensor& m, const WeightQuant& q)
{
    const int64_t rows = m.size(0);
    const int64_t cols = m.size(1);
    switch (q.granularity) {
    case Granularity::PerTensor: return m.reshape({1, 1, rows * cols});
    case Granularity::PerChannel: return m.reshape({rows, 1, cols});
    case Granularity::PerGroup:
        if (q.groupSize <= 0 || cols % q.groupSize != 0)
            throw PlanError("group size " + std::to_string(q.groupSize) + " does not divide the input dimension "
                            + std::to_string(cols));
        return m.reshape({rows, cols / q.groupSize, q.groupSize});
    }
    return m;
}

IntegerGrid integerGridFor(torch::Tensor lo, torch::Tensor hi, int64_t qmin, int64_t qmax, bool symmetric)
{
    lo = lo.clamp_max(0.0);
    hi = hi.clamp_min(0.0);
    IntegerGrid a;
    a.qmin = qmin;
    a.qmax = qmax;
    if (symmetric) {
        a.scale = torch::maximum(-lo, hi) / (static_cast<double>(qmax - qmin) / 2.0);
    } else {
        a.scale = (hi - lo) / static_cast<double>(qmax - qmin);
    }
    // Scales are stored as fp16; rounding them first makes the packed file reproduce these
    // values exactly. An all-zero group gets scale 1 (any scale maps it to zero).
    a.scale = a.scale.to(torch::kHalf).to(torch::kFloat32);
    a.scale = torch::where(a.scale > 0, a.scale, torch::ones_like(a.scale));
    if (symmetric) {
        a.zeroPoint = torch::zeros_like(a.scale, torch::kInt32);
    } else {
        a.zeroPoint = (qmin - torch::round(lo / a.scale)).clamp(qmin, qmax).to(torch::kInt32);
    }
    return a;
}

torch::Tensor roundToFormat(const torch::Tensor& values, NumberFormat format)
{
    switch (format) {
    case NumberFormat::Float32: return values;
    case NumberFormat::Float16: return values.to(torch::kHalf).to(torch::kFloat32);
    case NumberFormat::BFloat16: return values.to(torch::kBFloat16).to(torch::kFloat32);
    case NumberFormat::Fp8E4M3:
    case NumberFormat::Fp8E5M2: {
        const Fp8Grid grid = fp8Grid(format);
        const torch::Tensor a = values.abs();
        const torch::Tensor exponent = torch::floor(torch::log2(a)).clamp_min(grid.minExponent);
        const torch::Tensor step = torch::exp2(exponent - grid.mantissaBits);
        // Dividing by a power of two is exact, so torch::round's half-to-even applies to the
        // true mantissa: round-to-nearest-even.
        const torch::Tensor q = (torch::round(a / step) * step).clamp_max(grid.maxValue);
        return torch::where(a > 0, q.copysign(values), values);
    }
    case NumberFormat::Int: break;
    }
    throw PlanError("roundToFormat needs a float format");
}

torch::Tensor IntegerGrid::codes(const torch::Tensor& x) const
{
    return (torch::round(x * (1.0f / scale)) + zeroPoint).clamp(qmin, qmax);
}

torch::Tensor IntegerGrid::dequantize(const torch::Tensor& codes) const { return (codes - zeroPoint) * scale; }

torch::Tensor clipRatios(const torch::Tensor& grouped, const torch::Tensor& lo, const torch::Tensor& hi,
                         const WeightQuant& quant)
{
    const auto [qmin, qmax] = integerRange(quant.bits, quant.symmetric);
    torch::Tensor best = torch::ones_like(lo);
    if (quant.range != WeightRange::Mse)
        return best;
    const IntegerGrid full = integerGridFor(lo, hi, qmin, qmax, quant.symmetric);
    torch::Tensor bestError = (full.dequantize(full.codes(grouped)) - grouped).square().sum(2, true);
    for (int k = 1; k < kClipCandidates; ++k) {
        const double ratio = 1.0 - 0.025 * k;
        const IntegerGrid a = integerGridFor(lo * ratio, hi * ratio, qmin, qmax, quant.symmetric);
        const torch::Tensor error = (a.dequantize(a.codes(grouped)) - grouped).square().sum(2, true);
        const torch::Tensor better = error < bestError;
        best = torch::where(better, torch::full_like(best, ratio), best);
        bestError = torch::where(better, error, bestError);
    }
    return best;
}

IntegerGrid fitIntegerGrid(const torch::Tensor& matrix, const WeightQuant& quant)
{
    const auto [qmin, qmax] = integerRange(quant.bits, quant.symmetric);
    const torch::Tensor x = groupedView(matrix.to(torch::kFloat32), quant);
    const torch::Tensor lo = std::get<0>(x.min(2, true)), hi = std::get<0>(x.max(2, true));
    const torch::Tensor ratio = clipRatios(x, lo, hi, quant);
    return integerGridFor(lo * ratio, hi * ratio, qmin, qmax, quant.symmetric);
}

QuantizedMatrix quantizedFromCodes(const torch::Tensor& codes, const IntegerGrid& grid)
{
    const int64_t rows = codes.size(0);
    const int64_t groups = grid.scale.size(1);
    const torch::Tensor grouped = codes.to(torch::kFloat32).reshape({grid.scale.size(0), groups, -1});
    QuantizedMatrix out;
    out.qmin = grid.qmin;
    out.qmax = grid.qmax;
    out.dequantized = grid.dequantize(grouped).reshape({rows, -1});
    out.codes = codes.to(torch::kInt32).reshape({rows, -1});
    out.scales = grid.scale.squeeze(2);
    out.zeroPoints = grid.zeroPoint.squeeze(2);
    return out;
}

QuantizedMatrix quantizeMatrix(const torch::Tensor& matrix, const WeightQuant& quant)
{
    const torch::Tensor m = matrix.to(torch::kFloat32).contiguous();
    if (quant.format != NumberFormat::Int) {
        QuantizedMatrix out;
        out.dequantized = roundToFormat(m, quant.format);
        return out;
    }
    const IntegerGrid grid = fitIntegerGrid(m, quant);
    return quantizedFromCodes(grid.codes(groupedView(m, quant)).reshape(m.sizes()), grid);
}

} // namespace bitlens
