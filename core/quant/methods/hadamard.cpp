// Randomized Hadamard rotation of the input channels (QuaRot, Ashkboos et al., 2024): W·x =
// (W·Rᵀ)·(R·x) for an orthogonal R, and rotated weights and inputs have their outliers spread
// over every channel, so a grid fits them better.

#include "quant_method.h"

namespace bitlens {

MethodResult hadamardQuantize(const MethodInput& in)
{
    InputTransform t{InputTransform::Kind::Rotation, hadamardRotation(in.statistics->channels, kHadamardSeed),
                     kHadamardSeed};
    return {quantizeMatrix(t.toTransformedWeight(in.matrix), in.quant), std::move(t)};
}

} // namespace bitlens
