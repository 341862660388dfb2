#pragma once
// core-internal: the batch loop every evaluation shares: a model's plain forward or a plan's.

#include "evaluator.h"

#include <functional>
#include <string>

namespace bitlens {

using ForwardFn = std::function<c10::IValue(const torch::Tensor& input)>;

// The outputs of forward: a tensor, or the first element of a tuple. Throws EvalError naming
// modelPath otherwise.
torch::Tensor outputTensor(const c10::IValue& out, const std::string& modelPath);

// modelPath names the model in errors.
EvalResult runEvaluation(const ForwardFn& forward, const std::string& modelPath, const SampleSet& data,
                         const EvalOptions& options, Progress& progress);

} // namespace bitlens
