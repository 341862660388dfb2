#pragma once
// The values a weight format can represent: integer ranges, the fp8 grids, and the levels one
// range of weights is rounded to. Torch-free, so views can overlay a layer's grid on its histogram.

#include "layer_option.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace bitlens {

// The integer range of a width: signed [-2^(b-1), 2^(b-1)-1] when symmetric, else [0, 2^b-1].
std::pair<int64_t, int64_t> integerRange(int bits, bool symmetric);

// The value grid of an fp8 format: mantissa bits, the smallest normal exponent (subnormals keep
// its spacing below it) and the largest finite value. E4M3 is the "fn" variant (no infinities).
struct Fp8Grid {
    double mantissaBits;
    double minExponent;
    double maxValue;
};
Fp8Grid fp8Grid(NumberFormat format); // Fp8E4M3 or Fp8E5M2

// The levels weights in [lo, hi] are rounded to under `quant` with min-max ranges (the scale
// rounded to fp16, as the quantizer stores it): every level for Int formats, the representable
// values inside [lo, hi] and the next one beyond each end for fp8. Empty when a format has too many levels to draw (more than
// `maxLevels`: fp16, bf16, 16-bit ints) or for float32.
std::vector<double> quantizationLevels(const WeightQuant& quant, double lo, double hi, size_t maxLevels = 1024);

} // namespace bitlens
