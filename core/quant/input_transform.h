#pragma once
// core-internal: an invertible map T of a layer's input channels that a method applies before
// quantizing (AWQ and SmoothQuant scale channels, Hadamard rotates them). The layer computes
// W·x = (W·T⁻¹)·(T·x): the method quantizes W' = W·T⁻¹, and the plan's forward feeds T·x to it
// (and quantizes T·x when the input is quantized). T acts on the channel dimension: a Linear's
// last, a convolution's second; a convolution's kernel positions share their channel's T.

#include "../model/layer_info.h"

#include <cstdint>

namespace bitlens {

struct InputTransform {
    enum class Kind { Identity, Scale, Rotation };
    Kind kind = Kind::Identity;
    // Scale: s [C] float32, T = diag(1/s) (x' = x / s, W' = W·diag(s)).
    // Rotation: R [C, C] float32 orthogonal, T = R (x' = R·x, W' = W·Rᵀ).
    torch::Tensor tensor;
    uint64_t seed = 0; // Rotation: the seed of its random signs (hadamardRotation)

    bool identity() const { return kind == Kind::Identity; }
    // [out, C·k] (k kernel positions per channel, channel-major): W·T⁻¹, and its inverse W'·T.
    torch::Tensor toTransformedWeight(const torch::Tensor& matrix) const;
    torch::Tensor fromTransformedWeight(const torch::Tensor& matrix) const;
    // T·x on a layer input whose channels sit at `channelDim`.
    torch::Tensor applyToInput(const torch::Tensor& x, int64_t channelDim) const;
};

// Where a layer's input keeps its channels: a convolution's second dimension, else the last.
inline int64_t inputChannelDim(LayerKind kind, int64_t inputDims)
{
    return kind == LayerKind::Conv1d || kind == LayerKind::Conv2d ? 1 : inputDims - 1;
}

// A randomized Hadamard rotation of C channels: Walsh–Hadamard blocks of the largest power of two
// dividing C on the diagonal (one block when C is a power of two), normalised, times a diagonal of
// random signs: sign i is + when bit 0 of splitmix64(seed + i) is 0. Orthogonal in exact arithmetic.
torch::Tensor hadamardRotation(int64_t channels, uint64_t seed);

} // namespace bitlens
