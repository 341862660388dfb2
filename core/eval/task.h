#pragma once
// core-internal: what a task does with a model's outputs: classes per sample, or the next token
// at every position of a window. The evaluator, the Hessian and the sensitivity estimators ask
// taskFor(data) and never assume one.

#include "../data/sample_set.h"
#include "eval_result.h"

#include <string>

namespace bitlens {

// Threading: stateless; one instance may serve several evaluations at once.
class Task {
public:
    virtual ~Task() = default;
    virtual TaskKind kind() const = 0;
    // Throws EvalError naming `modelPath` when the outputs cannot be scored against these targets.
    virtual void checkOutputs(const torch::Tensor& outputs, const torch::Tensor& targets,
                              const std::string& modelPath) const = 0;
    // Adds one batch: summed loss, correct counts, sample and prediction counts.
    virtual void accumulate(const torch::Tensor& outputs, const torch::Tensor& targets, EvalResult& into) const = 0;
    // The batch's mean loss per prediction as a differentiable scalar (Hessians and gradients are
    // of this loss).
    virtual torch::Tensor meanLoss(const torch::Tensor& outputs, const torch::Tensor& targets) const = 0;
};

// Classification for labelled samples, next-token prediction for token windows.
const Task& taskFor(const SampleSet& data);

} // namespace bitlens
