#pragma once
// A CompressionPlan applied to a model: every layer's compressed weight and input encoding,
// ready to evaluate. The model itself is never modified.

#include "../quant/activation_calibration.h"
#include "../quant/compression_plan.h"
#include "eval_result.h"
#include "evaluator.h"

#include <memory>

namespace bitlens {

class Model;
class Progress;
struct SampleSet;

// Where a plan's methods (GPTQ, AWQ, …) take each layer's calibration inputs from. Independent:
// the FP32 model (cached per calibration set; what sensitivity cells assume, so they add up).
// Sequential: the model with every earlier layer (in the model's layer order) already compressed,
// its weights only, one pass over the calibration set per such layer, as GPTQ's authors calibrate.
enum class MethodInputs { Independent, Sequential };

// Ownership: holds its own weight tensors; `model` must outlive it. Threading: use from one
// thread at a time, the thread that may use `model`.
class AppliedPlan {
public:
    // Validates the plan, compresses every layer, and (when the plan quantizes any layer input)
    // calibrates input ranges on `calibration` (histograms are cached in the model). Throws
    // PlanError, Cancelled.
    static std::unique_ptr<AppliedPlan> apply(Model& model, const CompressionPlan& plan,
                                              const SampleSet& calibration, Progress& progress,
                                              MethodInputs inputs = MethodInputs::Independent);
    ~AppliedPlan();

    EvalResult evaluate(const SampleSet& data, const EvalOptions& options, Progress& progress);

    const CompressionPlan& plan() const;
    const std::vector<ActivationEncoding>& activationEncodings() const;
    double applySeconds() const; // compressing the weights, calibration excluded
    // The methods' input statistics (independent mode) and the input ranges; sequential
    // statistics count as compressing.
    double calibrationSeconds() const;

    struct Impl;
    Impl& impl() const;

private:
    explicit AppliedPlan(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

} // namespace bitlens
