// SqueezeLLM (Kim et al., 2024), dense-and-sparse: each output channel's weights take one of 2^b
// values of a codebook of their own, found by k-means weighted with the empirical Fisher diagonal
// (the weights the loss is most sensitive to pull the centroids), and the few weights with the
// largest |w|·F are kept apart, exactly as fp16, in a sparse matrix.

#include "quant_method.h"

#include "../compression_plan.h"

namespace bitlens {

namespace {

torch::Tensor toFp16Values(const torch::Tensor& t) { return t.to(torch::kHalf).to(torch::kFloat32); }

// The flat indices of the `count` weights with the largest |w|·F, ascending (the first of equals).
torch::Tensor sparseIndices(const torch::Tensor& w, const torch::Tensor& fisher, int64_t count)
{
    if (count == 0)
        return torch::empty({0}, torch::kLong);
    const torch::Tensor score = (w.to(torch::kFloat64).abs() * fisher).reshape({-1});
    const torch::Tensor order = std::get<1>(score.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true));
    return std::get<0>(order.slice(0, 0, count).sort());
}

// Each value's nearest centroid: centroids [R, K] ascending per row, values [R, C]. A value on a
// midpoint goes to the lower centroid.
torch::Tensor nearestCentroid(const torch::Tensor& centroids, const torch::Tensor& values)
{
    const int64_t k = centroids.size(1);
    const torch::Tensor mid = 0.5 * (centroids.slice(1, 0, k - 1) + centroids.slice(1, 1, k));
    return torch::searchsorted(mid.contiguous(), values.contiguous(), /*out_int32=*/false, /*right=*/false);
}

// Weighted Lloyd iterations per row from centroids at the weighted quantiles (k + ½)/K, until no
// assignment changes (at most kSqllmIterations). weights: [R, C] ≥ 0, zero where a value takes
// no part. Empty clusters keep their centroid. Returns the centroids, ascending.
torch::Tensor weightedKMeans(const torch::Tensor& values, const torch::Tensor& weights, int64_t k)
{
    const int64_t rows = values.size(0);
    const auto [sorted, order] = values.sort(1);
    const torch::Tensor cumulative = weights.gather(1, order).cumsum(1);
    const torch::Tensor total = cumulative.select(1, values.size(1) - 1).unsqueeze(1);
    const torch::Tensor targets = (torch::arange(k, values.options()) + 0.5) / double(k) * total;
    const torch::Tensor at = torch::searchsorted(cumulative.contiguous(), targets.contiguous()).clamp_max(values.size(1) - 1);
    torch::Tensor centroids = std::get<0>(sorted.gather(1, at).sort(1));
    torch::Tensor assigned;
    for (int i = 0; i < kSqllmIterations; ++i) {
        const torch::Tensor codes = nearestCentroid(centroids, values);
        if (assigned.defined() && torch::equal(codes, assigned))
            break;
        assigned = codes;
        const torch::Tensor mass = torch::zeros({rows, k}, values.options()).scatter_add_(1, codes, weights);
        const torch::Tensor sum = torch::zeros({rows, k}, values.options()).scatter_add_(1, codes, weights * values);
        centroids = std::get<0>(torch::where(mass > 0, sum / mass.clamp_min(1e-300), centroids).sort(1));
    }
    return centroids;
}

} // namespace

MethodResult sqllmQuantize(const MethodInput& in)
{
    const LayerStatistics& stats = *in.statistics;
    if (!stats.fisher.defined())
        throw PlanError("sqllm needs the layer's Fisher diagonal, and none was computed");
    const torch::Tensor w = in.matrix.to(torch::kFloat32);
    const torch::Tensor w64 = w.to(torch::kFloat64);
    const torch::Tensor fisher = stats.fisher.reshape(w.sizes()).to(torch::kFloat64);
    const int64_t k = int64_t(1) << in.quant.bits;

    SparseWeights sparse;
    sparse.index = sparseIndices(w, fisher, sparseWeightCount(in.quant, w.numel()));
    sparse.values = toFp16Values(w.reshape({-1}).index_select(0, sparse.index));
    // Sparse weights take no part in the codebook; a row whose Fisher is all zero (a channel the
    // calibration loss never reached) is clustered unweighted.
    torch::Tensor weights = fisher.clone();
    weights.reshape({-1}).index_fill_(0, sparse.index, 0.0);
    const torch::Tensor rowMass = weights.sum(1, true);
    weights = torch::where(rowMass > 0, weights, torch::ones_like(weights));
    weights.reshape({-1}).index_fill_(0, sparse.index, 0.0);

    QuantizedMatrix out;
    out.codebook = toFp16Values(weightedKMeans(w64, weights, k)).contiguous();
    out.codes = nearestCentroid(out.codebook.to(torch::kFloat64), w64).to(torch::kInt32);
    out.qmin = 0;
    out.qmax = k - 1;
    torch::Tensor dense = out.codebook.gather(1, out.codes.to(torch::kLong));
    dense.reshape({-1}).index_copy_(0, sparse.index, sparse.values);
    out.dequantized = dense;
    out.sparse = std::move(sparse);
    return {std::move(out), {}};
}

} // namespace bitlens
