// SmoothQuant (Xiao et al., 2023): input channels with outliers are divided by s and their
// weights multiplied by it, s = max|x|^α / max|w|^(1−α), so a per-tensor input grid loses less to
// the outliers; the weights take the difficulty instead.

#include "quant_method.h"

namespace bitlens {

MethodResult smoothQuantQuantize(const MethodInput& in)
{
    const LayerStatistics& stats = *in.statistics;
    const torch::Tensor& w = in.matrix;
    const torch::Tensor weightMax =
        std::get<0>(w.abs().reshape({w.size(0), stats.channels, -1}).amax({2}).max(0)).to(torch::kFloat64);
    const torch::Tensor& inputMax = stats.channelMaxAbs;
    torch::Tensor s = inputMax.pow(kSmoothQuantAlpha) / weightMax.pow(1.0 - kSmoothQuantAlpha);
    // A channel that never moved, or whose weights are all zero, has nothing to migrate.
    s = torch::where((inputMax > 0).logical_and(weightMax > 0), s, torch::ones_like(s)).clamp(1e-5, 6e4);
    // Stored as fp16 (2 bytes a channel), so rounded to it here.
    InputTransform t{InputTransform::Kind::Scale, s.to(torch::kHalf).to(torch::kFloat32)};
    return {quantizeMatrix(t.toTransformedWeight(w), in.quant), std::move(t)};
}

} // namespace bitlens
