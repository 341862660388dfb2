#pragma once
// core-internal: quantizing one weight matrix ([out, in*k*k] view) to a WeightQuant, returning
// both the fake-quantized values and what a packed file stores (codes, scales, zero-points).

#include "layer_option.h"
#include "quantization_grid.h"

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

// Throws PlanError when a per-group size does not divide the columns.
QuantizedMatrix quantizeMatrix(const torch::Tensor& matrix, const WeightQuant& quant);

// Round-to-nearest-even emulation of a float format (fp16, bf16, fp8 E4M3 / E5M2), saturating
// fp8 at its largest finite value.
torch::Tensor roundToFormat(const torch::Tensor& values, NumberFormat format);

} // namespace bitlens
