#include "task.h"

#include "../errors.h"

namespace bitlens {
namespace {

std::string dims(const torch::Tensor& t)
{
    std::string out;
    for (int64_t d : t.sizes())
        out += (out.empty() ? "" : " x ") + std::to_string(d);
    return "[" + out + "]";
}

// Cross-entropy, correct counts and per-sample loss squares of logits [n·p, classes] against
// targets [n·p], where each of the n samples owns p consecutive predictions.
void score(const torch::Tensor& logits, const torch::Tensor& targets, int64_t samples, EvalResult& into)
{
    const torch::Tensor losses =
        at::cross_entropy_loss(logits.to(torch::kFloat32), targets, {}, at::Reduction::None, -100, 0.0).to(torch::kFloat64);
    into.lossSum += losses.sum().item<double>();
    into.sampleLossSquares += losses.view({samples, -1}).mean(1).square().sum().item<double>();
    const int64_t k = std::min<int64_t>(5, logits.size(1));
    const torch::Tensor hits = std::get<1>(logits.topk(k, 1)).eq(targets.unsqueeze(1));
    into.correctTop1 += hits.select(1, 0).sum().item<int64_t>();
    into.correctTop5 += hits.any(1).sum().item<int64_t>();
    into.samples += samples;
    into.predictions += targets.numel();
}

class ClassificationTask final : public Task {
public:
    TaskKind kind() const override { return TaskKind::Classification; }

    void checkOutputs(const torch::Tensor& outputs, const torch::Tensor& targets,
                      const std::string& modelPath) const override
    {
        if (outputs.dim() != 2 || outputs.size(0) != targets.size(0))
            throw EvalError(modelPath + ": a classifier must return [batch, classes] logits, this one returns "
                            + dims(outputs) + " for a batch of " + std::to_string(targets.size(0)));
        const int64_t maxLabel = targets.max().item<int64_t>();
        if (maxLabel >= outputs.size(1))
            throw EvalError(modelPath + ": the model has " + std::to_string(outputs.size(1))
                            + " outputs but the dataset has label " + std::to_string(maxLabel));
    }

    void accumulate(const torch::Tensor& outputs, const torch::Tensor& targets, EvalResult& into) const override
    {
        into.task = kind();
        score(outputs, targets, targets.size(0), into);
    }

    torch::Tensor meanLoss(const torch::Tensor& outputs, const torch::Tensor& targets) const override
    {
        return at::cross_entropy_loss(outputs, targets, {}, at::Reduction::Mean, -100, 0.0);
    }
};

class LanguageModelTask final : public Task {
public:
    TaskKind kind() const override { return TaskKind::LanguageModel; }

    void checkOutputs(const torch::Tensor& outputs, const torch::Tensor& targets,
                      const std::string& modelPath) const override
    {
        if (outputs.dim() != 3 || outputs.size(0) != targets.size(0) || outputs.size(1) != targets.size(1))
            throw EvalError(modelPath + ": a language model must return [batch, tokens, vocabulary] logits, this one returns "
                            + dims(outputs) + " for windows " + dims(targets));
        const int64_t maxToken = targets.max().item<int64_t>();
        if (maxToken >= outputs.size(2))
            throw EvalError(modelPath + ": the model's vocabulary has " + std::to_string(outputs.size(2))
                            + " tokens but the dataset holds token " + std::to_string(maxToken));
    }

    void accumulate(const torch::Tensor& outputs, const torch::Tensor& targets, EvalResult& into) const override
    {
        into.task = kind();
        score(outputs.reshape({-1, outputs.size(2)}), targets.reshape({-1}), targets.size(0), into);
    }

    torch::Tensor meanLoss(const torch::Tensor& outputs, const torch::Tensor& targets) const override
    {
        return at::cross_entropy_loss(outputs.reshape({-1, outputs.size(2)}), targets.reshape({-1}), {},
                                      at::Reduction::Mean, -100, 0.0);
    }
};

} // namespace

const Task& taskFor(const SampleSet& data)
{
    static const ClassificationTask classification;
    static const LanguageModelTask languageModel;
    if (data.tokens())
        return languageModel;
    return classification;
}

} // namespace bitlens
