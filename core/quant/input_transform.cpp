#include "input_transform.h"

namespace bitlens {
namespace {

uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// [out, C, k]: the matrix with its channels apart from their kernel positions.
torch::Tensor byChannel(const torch::Tensor& matrix, int64_t channels)
{
    return matrix.reshape({matrix.size(0), channels, -1});
}

} // namespace

torch::Tensor InputTransform::toTransformedWeight(const torch::Tensor& matrix) const
{
    switch (kind) {
    case Kind::Identity: return matrix;
    case Kind::Scale: return (byChannel(matrix, tensor.size(0)) * tensor.view({1, -1, 1})).reshape(matrix.sizes());
    case Kind::Rotation: // W'[o, d, k] = sum_c W[o, c, k] R[d, c]
        return torch::einsum("ock,dc->odk", {byChannel(matrix, tensor.size(0)), tensor}).reshape(matrix.sizes());
    }
    return matrix;
}

torch::Tensor InputTransform::fromTransformedWeight(const torch::Tensor& matrix) const
{
    switch (kind) {
    case Kind::Identity: return matrix;
    case Kind::Scale: return (byChannel(matrix, tensor.size(0)) / tensor.view({1, -1, 1})).reshape(matrix.sizes());
    case Kind::Rotation: // W[o, c, k] = sum_d W'[o, d, k] R[d, c]
        return torch::einsum("odk,dc->ock", {byChannel(matrix, tensor.size(0)), tensor}).reshape(matrix.sizes());
    }
    return matrix;
}

torch::Tensor InputTransform::applyToInput(const torch::Tensor& x, int64_t channelDim) const
{
    switch (kind) {
    case Kind::Identity: return x;
    case Kind::Scale: {
        std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
        shape[static_cast<size_t>(channelDim)] = -1;
        return x / tensor.view(shape);
    }
    case Kind::Rotation: return torch::matmul(x.transpose(channelDim, -1), tensor.t()).transpose(channelDim, -1);
    }
    return x;
}

torch::Tensor hadamardRotation(int64_t channels, uint64_t seed)
{
    int64_t block = 1;
    while (channels % (2 * block) == 0)
        block *= 2;
    // Sylvester's construction, in float64 so the normalised blocks are orthogonal to rounding.
    torch::Tensor h = torch::ones({1, 1}, torch::kFloat64);
    while (h.size(0) < block)
        h = torch::cat({torch::cat({h, h}, 1), torch::cat({h, -h}, 1)}, 0);
    h = h / std::sqrt(static_cast<double>(block));
    std::vector<torch::Tensor> blocks(static_cast<size_t>(channels / block), h);
    std::vector<double> signs(static_cast<size_t>(channels));
    for (int64_t i = 0; i < channels; ++i)
        signs[static_cast<size_t>(i)] = (splitmix64(seed + static_cast<uint64_t>(i)) & 1) == 0 ? 1.0 : -1.0;
    const torch::Tensor rotation = torch::block_diag(blocks) * torch::tensor(signs, torch::kFloat64).unsqueeze(0);
    return rotation.to(torch::kFloat32);
}

} // namespace bitlens
