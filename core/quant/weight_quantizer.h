#pragma once
// core-internal: quantizing one weight matrix ([out, in*k*k] view) to a WeightQuant, returning
// both the fake-quantized values and what a packed file stores (codes, scales, zero-points).

#include "layer_option.h"

namespace bitlens {

struct QuantizedMatrix {
    torch::Tensor dequantized; // float32, the matrix's shape: what evaluation uses
    // Int formats only (undefined otherwise):
    torch::Tensor codes;       // int32 [rows, cols], in [qmin, qmax]
    torch::Tensor scales;      // float32 [rows or 1, groups], values exactly representable in fp16
    torch::Tensor zeroPoints;  // int32, the shape of scales; zeros when symmetric
    int64_t qmin = 0;
    int64_t qmax = 0;
};

// The integer range of a width: signed [-2^(b-1), 2^(b-1)-1] when symmetric, else [0, 2^b-1].
std::pair<int64_t, int64_t> integerRange(int bits, bool symmetric);

// Throws PlanError when a per-group size does not divide the columns.
QuantizedMatrix quantizeMatrix(const torch::Tensor& matrix, const WeightQuant& quant);

// The value grid of an fp8 format: mantissa bits, the smallest normal exponent (subnormals keep
// its spacing below it) and the largest finite value. E4M3 is the "fn" variant (no infinities).
struct Fp8Grid {
    double mantissaBits;
    double minExponent;
    double maxValue;
};
Fp8Grid fp8Grid(NumberFormat format); // Fp8E4M3 or Fp8E5M2

// Round-to-nearest-even emulation of a float format (fp16, bf16, fp8 E4M3 / E5M2), saturating
// fp8 at its largest finite value.
torch::Tensor roundToFormat(const torch::Tensor& values, NumberFormat format);

} // namespace bitlens
