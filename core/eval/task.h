#pragma once
// core-internal: what a task does with a model's outputs. Classification now; the language-model
// task plugs in here later without touching the evaluator.

#include "eval_result.h"

#include <memory>
#include <string>

namespace bitlens {

// Threading: stateless; one instance may serve several evaluations at once.
class Task {
public:
    virtual ~Task() = default;
    virtual const char* name() const = 0;
    // Throws EvalError naming `modelPath` when the outputs cannot be scored against these targets.
    virtual void checkOutputs(const torch::Tensor& outputs, const torch::Tensor& targets,
                              const std::string& modelPath) const = 0;
    // Adds one batch: summed loss, correct counts, sample count.
    virtual void accumulate(const torch::Tensor& outputs, const torch::Tensor& targets, EvalResult& into) const = 0;
    // The batch's mean loss as a differentiable scalar (Hessians and gradients are of this loss).
    virtual torch::Tensor meanLoss(const torch::Tensor& outputs, const torch::Tensor& targets) const = 0;
};

class ClassificationTask final : public Task {
public:
    const char* name() const override { return "classification"; }
    void checkOutputs(const torch::Tensor& outputs, const torch::Tensor& targets,
                      const std::string& modelPath) const override;
    void accumulate(const torch::Tensor& outputs, const torch::Tensor& targets, EvalResult& into) const override;
    torch::Tensor meanLoss(const torch::Tensor& outputs, const torch::Tensor& targets) const override;
};

} // namespace bitlens
