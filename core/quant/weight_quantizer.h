#pragma once
// core-internal: quantizing one weight matrix ([out, in*k*k] view) to a WeightQuant, returning
// both the fake-quantized values and what a packed file stores (codes, scales, zero-points).

#include "layer_option.h"
#include "quantization_grid.h"

namespace bitlens {

// sqllm's weights kept apart from the codebook, exactly as fp16.
struct SparseWeights {
    torch::Tensor index;  // int64 [nnz]: flat row-major positions, ascending
    torch::Tensor values; // float32 [nnz], fp16-representable
};

struct QuantizedMatrix {
    torch::Tensor dequantized; // float32, the matrix's shape: what evaluation uses
    // Int formats only (undefined otherwise); xint's K terms stack along a leading [K] dimension,
    // and `dequantized` is their sum:
    torch::Tensor codes;       // int32 [rows, cols], in [qmin, qmax]
    torch::Tensor scales;      // float32 [rows or 1, groups], values exactly representable in fp16
    torch::Tensor zeroPoints;  // int32, the shape of scales; zeros when symmetric
    int64_t qmin = 0;
    int64_t qmax = 0;
    // sqllm: codes index each row's codebook (no scales), and the sparse weights replace theirs.
    torch::Tensor codebook;    // float32 [rows, 2^bits], ascending per row, fp16-representable
    SparseWeights sparse;      // undefined tensors unless sqllm
};

// Throws PlanError when a per-group size does not divide the columns.
QuantizedMatrix quantizeMatrix(const torch::Tensor& matrix, const WeightQuant& quant);

// The integer grid of each group of a matrix viewed as [R, G, S] (R rows sharing nothing, G groups
// per row, S values per group), PyTorch observer conventions, scales fp16-representable.
struct IntegerGrid {
    torch::Tensor scale;     // float32 [R, G, 1]
    torch::Tensor zeroPoint; // int32, the shape of scale
    int64_t qmin = 0;
    int64_t qmax = 0;

    // Round-half-even of x * (1/scale), as fake_quantize_per_*_affine rounds; x broadcasts.
    torch::Tensor codes(const torch::Tensor& x) const;
    torch::Tensor dequantize(const torch::Tensor& codes) const;
};

// The matrix as [R, G, S] under `quant`'s granularity: R rows sharing nothing, G groups per row,
// S values per group. Throws PlanError when a per-group size does not divide the columns.
torch::Tensor groupedView(const torch::Tensor& matrix, const WeightQuant& quant);

// Scales and zero-points for ranges [lo, hi] per group (lo, hi broadcast to [R, G, 1]).
IntegerGrid integerGridFor(torch::Tensor lo, torch::Tensor hi, int64_t qmin, int64_t qmax, bool symmetric);

// Per group of a grouped view (lo, hi: its minima and maxima, [R, G, 1]), the ratio its range is
// clipped to: ones for min-max ranges, else the candidate (1.0, 0.975, ..., 0.325) whose grid has
// the least squared error.
torch::Tensor clipRatios(const torch::Tensor& grouped, const torch::Tensor& lo, const torch::Tensor& hi,
                         const WeightQuant& quant);

// The grid `quant` (Int) gives the matrix: min-max, or per group the MSE-best clip ratio.
IntegerGrid fitIntegerGrid(const torch::Tensor& matrix, const WeightQuant& quant);

// A matrix quantized elsewhere (GPTQ) on a grid whose groups are `groupSize` columns wide (the
// whole row when the grid has one group), in quantizeMatrix's form.
QuantizedMatrix quantizedFromCodes(const torch::Tensor& codes, const IntegerGrid& grid);

// Round-to-nearest-even emulation of a float format (fp16, bf16, fp8 E4M3 / E5M2), saturating
// fp8 at its largest finite value.
torch::Tensor roundToFormat(const torch::Tensor& values, NumberFormat format);

} // namespace bitlens
