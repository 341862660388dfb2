#pragma once
// The analysis of a checkpoint BitLens does not run: a safetensors file's weights alone (no data,
// no loss), streamed tensor by tensor — read and converted to float32, its mapped pages released,
// analysed, freed — so a model of many GB needs the memory of its largest tensor, not its size.

#include "model_analysis.h"

#include <string>

namespace bitlens {

class Progress;

// Statistics, spectra by SpectrumMethod::Gram, quantization error; no activations, Hessian or
// sensitivity. What each part costs on one core here (bench_weight_only): statistics and outliers
// ~120 M parameters/s; quantization error ~6 M/s (its MSE-range option is half of that); spectra
// ~11 M/s at width 1024, falling as 1/width (the Gram matrix is width × width); hashing, reading
// and converting the file are small beside these. Peak memory: ~8× the largest tensor in float32
// (the per-tensor integer options quantize whole matrices), whatever the file's size.
AnalysisOptions weightOnlyAnalysisOptions();

// Fills modelPath (the file), modelSha256 (of the whole file), layers (core/model/safetensors_layers.h),
// weights, spectra and quantError as analyzeModel does for a TorchScript layer, and with the
// quantization error also `sensitivity`: the one cost table "weight-error"
// (core/analysis/weight_error_estimator.h), so allocators can plan. `options.activations` and
// `options.sensitivity` are ignored (there is no data; the one cost table comes with the
// quantization error); the Hessian needs a model to run: Error. Throws Error naming the file and
// the cause, Cancelled.
ModelAnalysis analyzeSafetensors(const std::string& path, const AnalysisOptions& options, Progress& progress);

} // namespace bitlens
