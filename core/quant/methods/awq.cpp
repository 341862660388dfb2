// AWQ (Lin et al., 2023): salient input channels (large mean |x|) are protected by scaling their
// weights up before rounding and their inputs down, s = mean|x|^α normalised; α is searched on a
// grid for the least output error ||(Ŵ − W)·X||², computed exactly from XᵀX.

#include "quant_method.h"

namespace bitlens {

namespace {

// The output channels the α search measures: all of them up to kAwqSearchRows, else that many
// evenly spaced (each row's error is its own term of the sum, so a spread subset estimates it at
// a fraction of the m·n² cost per α). Per-tensor grids couple the rows: all of them then.
torch::Tensor searchRows(const torch::Tensor& w, const WeightQuant& quant)
{
    if (w.size(0) <= kAwqSearchRows || quant.granularity == Granularity::PerTensor)
        return w;
    return w.index_select(0, torch::linspace(0, double(w.size(0) - 1), kAwqSearchRows).round().to(torch::kLong));
}

InputTransform scalesAt(const LayerStatistics& stats, double alpha)
{
    torch::Tensor s = stats.channelMeanAbs.pow(alpha).clamp_min(1e-4);
    s = s / (s.max() * s.min()).sqrt();
    // Stored as fp16 (2 bytes a channel), so rounded to it here.
    return {InputTransform::Kind::Scale, s.to(torch::kHalf).to(torch::kFloat32)};
}

} // namespace

MethodResult awqQuantize(const MethodInput& in)
{
    const LayerStatistics& stats = *in.statistics;
    const torch::Tensor rows = searchRows(in.matrix, in.quant);
    const torch::Tensor gram = stats.gram.to(torch::kFloat32);
    int bestGrid = 0;
    double bestError = std::numeric_limits<double>::infinity();
    for (int g = 0; g < kAwqGrid; ++g) {
        const InputTransform t = scalesAt(stats, static_cast<double>(g) / kAwqGrid);
        const torch::Tensor q = quantizeMatrix(t.toTransformedWeight(rows), in.quant).dequantized;
        const torch::Tensor delta = t.fromTransformedWeight(q) - rows;
        const double error = (delta.matmul(gram).to(torch::kFloat64) * delta).sum().item<double>();
        if (error < bestError) { // the first α wins a tie: α = 0 is round-to-nearest
            bestError = error;
            bestGrid = g;
        }
    }
    InputTransform t = scalesAt(stats, static_cast<double>(bestGrid) / kAwqGrid);
    return {quantizeMatrix(t.toTransformedWeight(in.matrix), in.quant), std::move(t)};
}

} // namespace bitlens
