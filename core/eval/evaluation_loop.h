#pragma once
// core-internal: the batch loop every evaluation shares: a model's plain forward or a plan's.

#include "evaluator.h"

#include "../model/model_output.h"

#include <functional>
#include <string>

namespace bitlens {

using ForwardFn = std::function<c10::IValue(const torch::Tensor& input)>;

// modelPath names the model in errors.
EvalResult runEvaluation(const ForwardFn& forward, const std::string& modelPath, const SampleSet& data,
                         const EvalOptions& options, Progress& progress);

} // namespace bitlens
