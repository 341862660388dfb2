#pragma once
// core-internal: the quantization methods, one descriptor each in one registry: what a method
// needs of the calibration set and how it quantizes a weight matrix. compressWeight (and through
// it plans, sensitivity cells and exports) reaches every method here; the CLI, the GUI and the
// README list them from quantMethods().

#include "../input_transform.h"
#include "../layer_statistics.h"
#include "../weight_quantizer.h"

#include <functional>
#include <vector>

namespace bitlens {

struct MethodInput {
    torch::Tensor matrix;                        // [out, C·k] float32, channel-major columns
    WeightQuant quant;
    const LayerStatistics* statistics = nullptr; // available whenever the method needs inputs
};

struct MethodResult {
    QuantizedMatrix quantized; // of W·T⁻¹, T the transform below
    InputTransform transform;
};

struct QuantMethodDescriptor {
    QuantMethod id;          // its name and summary: nameOf, methodSummary (layer_option.h)
    bool needsGram;          // the layer's XᵀX, beside its LayerStatistics
    bool needsFisher;        // the empirical Fisher diagonal of its weight (LayerStatistics::fisher)
    bool needsInputs() const { return methodReadsInputs(id); } // the layer's LayerStatistics
    std::function<MethodResult(const MethodInput&)> quantize; // throws PlanError
};

const std::vector<QuantMethodDescriptor>& quantMethods(); // in the order of QuantMethod
const QuantMethodDescriptor& quantMethod(QuantMethod id);

// The methods, one file each (gptq.cpp, awq.cpp, smoothquant.cpp, hadamard.cpp, lwc.cpp, xint.cpp,
// sqllm.cpp).
MethodResult gptqQuantize(const MethodInput& in, bool activationOrder);
MethodResult awqQuantize(const MethodInput& in);
MethodResult smoothQuantQuantize(const MethodInput& in);
MethodResult hadamardQuantize(const MethodInput& in);
MethodResult lwcQuantize(const MethodInput& in);
MethodResult xintQuantize(const MethodInput& in);
MethodResult sqllmQuantize(const MethodInput& in);

// LWC's learning on one matrix: the ratios its groups' maxima (γ) and minima (β) are clipped to,
// [R, G] each, and the output error ||(Ŵ − W)·X||² / ||W·X||² before the first step and after
// every step that lowered some row's (so it falls strictly from one entry to the next).
struct ClippingRun {
    QuantizedMatrix quantized;
    torch::Tensor gamma, beta;
    std::vector<double> errors;
};
ClippingRun learnClipping(const torch::Tensor& matrix, const WeightQuant& quant, const torch::Tensor& gram);

// GPTQ's knobs, fixed as the paper's reference code sets them: dampening 1 % of XᵀX's mean
// diagonal, columns updated lazily in blocks of 128 (a multiple of the group size).
constexpr double kGptqDampening = 0.01;
constexpr int64_t kGptqBlock = 128;
// AWQ's grid: scales s = mean|x|^α for α = 0, 1/20, ..., 19/20, each measured on at most
// kAwqSearchRows output channels.
constexpr int kAwqGrid = 20;
constexpr int64_t kAwqSearchRows = 256;
// SmoothQuant's migration strength α (the paper's default).
constexpr double kSmoothQuantAlpha = 0.5;
// LWC: at most this many Adam steps of this initial size on the clip ratios, which stay within
// [kLwcMinRatio, 1]; a row's step that does not lower its error is halved, and it ends when every
// row's has been halved six times.
constexpr int kLwcSteps = 200;
constexpr double kLwcRate = 5e-3;
constexpr double kLwcMinRatio = 0.2;
// SqueezeLLM: at most this many weighted Lloyd iterations per codebook (it stops when no
// assignment changes).
constexpr int kSqllmIterations = 200;
// The seed of Hadamard's random signs, stored with the plan's export.
constexpr uint64_t kHadamardSeed = 0x5eedb175ULL;

} // namespace bitlens
