// AWQ (Lin et al., 2023): salient input channels (large mean |x|) are protected by scaling their
// weights up before rounding and their inputs down, s = mean|x|^α normalised; α is searched on a
// grid for the least output error ||(Ŵ − W)·X||², computed exactly from XᵀX.

#include "quant_method.h"

namespace bitlens {

MethodResult awqQuantize(const MethodInput& in)
{
    const LayerStatistics& stats = *in.statistics;
    const torch::Tensor& w = in.matrix;
    const torch::Tensor w64 = w.to(torch::kFloat64);
    MethodResult best;
    double bestError = std::numeric_limits<double>::infinity();
    for (int g = 0; g < kAwqGrid; ++g) {
        const double alpha = static_cast<double>(g) / kAwqGrid;
        torch::Tensor s = stats.channelMeanAbs.pow(alpha).clamp_min(1e-4);
        s = s / (s.max() * s.min()).sqrt();
        // Stored as fp16 (2 bytes a channel), so rounded to it here.
        InputTransform t{InputTransform::Kind::Scale, s.to(torch::kHalf).to(torch::kFloat32)};
        QuantizedMatrix q = quantizeMatrix(t.toTransformedWeight(w), in.quant);
        const torch::Tensor delta = t.fromTransformedWeight(q.dequantized).to(torch::kFloat64) - w64;
        const double error = (delta.matmul(stats.gram) * delta).sum().item<double>();
        if (error < bestError) { // the first α wins a tie: α = 0 is round-to-nearest
            bestError = error;
            best = {std::move(q), std::move(t)};
        }
    }
    return best;
}

} // namespace bitlens
