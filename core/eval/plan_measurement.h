#pragma once
// A plan's measured figures beside the FP32 model's, on every sample of the evaluation split: what
// a report states (the GUI's Export and `bitlens-cli report` / bitlens-report alike).

#include "eval_result.h"

#include "../quant/compression_plan.h"

namespace bitlens {

class Model;
class Progress;
struct DatasetSplits;

// Ownership: plain value.
struct PlanMeasurement {
    EvalResult baseline; // the FP32 model
    EvalResult plan;     // the plan applied (AppliedPlan), as the exported model.pt computes it
};

// Evaluates the FP32 model and the plan on every sample of data.evaluation, the plan applied with
// input ranges calibrated on data.calibration (as `bitlens-cli export` does with the same
// --calib and --seed). `baseline`, when given and complete on the same split, is reused instead
// of evaluating again. Threading: the calling thread, using `model` exclusively. Throws PlanError,
// EvalError, Cancelled.
PlanMeasurement measurePlan(Model& model, const DatasetSplits& data, const CompressionPlan& plan, Progress& progress,
                            const EvalResult* baseline = nullptr);

} // namespace bitlens
