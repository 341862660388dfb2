#pragma once
// core-internal: the figures of one weight matrix (the [out, in·k·k] view, float32) that both
// analyzeModel and analyzeSafetensors compute, so a TorchScript layer and a safetensors tensor
// get the same numbers.

#include "../quant/layer_option.h"
#include "model_analysis.h"

#include <string>
#include <vector>

namespace bitlens {

// float32, contiguous, [out, in·k·k].
torch::Tensor weightMatrixOf(const torch::Tensor& weight);

WeightSpectrum matrixSpectrum(const torch::Tensor& matrix, SpectrumMethod method);

// The weight formats of quantization-error option specs ("w4:per-channel", "fp8_e4m3").
std::vector<WeightQuant> weightQuantsOf(const std::vector<std::string>& specs);
// Appends the matrix's row to the table's squaredError, relativeError and sqnrDb, one column per
// format (NaN where a format cannot apply, e.g. a group size not dividing the columns). Sums run
// in float64 over blocks of rows, and every format but per-tensor integers quantizes block by
// block, so a large matrix never has float64 copies or a dozen quantizer temporaries of its size.
void appendQuantErrors(QuantErrorTable& table, const torch::Tensor& matrix, const std::vector<WeightQuant>& quants);

} // namespace bitlens
