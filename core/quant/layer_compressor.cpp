#include "layer_compressor.h"

#include "compression_plan.h"
#include "methods/quant_method.h"

namespace bitlens {

std::pair<torch::Tensor, torch::Tensor> lowRankFactors(const torch::Tensor& matrix, int rank)
{
    const int64_t limit = std::min(matrix.size(0), matrix.size(1));
    if (rank < 1 || rank > limit)
        throw PlanError("rank " + std::to_string(rank) + " is outside 1.." + std::to_string(limit));
    // float64 keeps the small singular values accurate; the factors go back to float32.
    const auto [u, s, vh] = torch::linalg_svd(matrix.to(torch::kFloat64), /*full_matrices=*/false);
    const torch::Tensor root = s.slice(0, 0, rank).sqrt();
    const torch::Tensor left = u.slice(1, 0, rank) * root.unsqueeze(0);
    const torch::Tensor right = root.unsqueeze(1) * vh.slice(0, 0, rank);
    return {left.to(torch::kFloat32), right.to(torch::kFloat32)};
}

CompressedWeight compressWeight(const torch::Tensor& weight, const LayerOption& option, const LayerStatistics* statistics)
{
    const torch::Tensor matrix = weight.detach().to(torch::kFloat32).reshape({weight.size(0), -1});
    CompressedWeight out;
    torch::Tensor effective;
    const QuantMethodDescriptor& method = quantMethod(option.weight.method);
    if (method.needsInputs() && (!statistics || !statistics->unavailable.empty()))
        throw PlanError(std::string(nameOf(method.id)) + " needs the layer's calibration inputs, and "
                        + (statistics ? statistics->unavailable : std::string("none were collected")));
    if (option.rank > 0) {
        if (method.id != QuantMethod::Rtn)
            throw PlanError(std::string(nameOf(method.id)) + " works on the full-rank weight (rank 0)");
        auto [left, right] = lowRankFactors(matrix, option.rank);
        out.left = quantizeMatrix(left, option.weight);
        out.right = quantizeMatrix(right, option.weight);
        effective = torch::matmul(out.left->dequantized, out.right->dequantized);
    } else {
        MethodResult r = method.quantize({matrix, option.weight, statistics});
        out.transform = std::move(r.transform);
        out.transformed = r.quantized.dequantized.reshape(weight.sizes()).contiguous();
        effective = out.transform.fromTransformedWeight(r.quantized.dequantized);
        out.full = std::move(r.quantized);
    }
    out.effective = effective.reshape(weight.sizes()).contiguous();
    if (!out.transformed.defined())
        out.transformed = out.effective;
    return out;
}

} // namespace bitlens
