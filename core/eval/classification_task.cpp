#include "task.h"

#include "../errors.h"

#include <cmath>

namespace bitlens {

void ClassificationTask::checkOutputs(const torch::Tensor& outputs, const torch::Tensor& targets,
                                      const std::string& modelPath) const
{
    if (outputs.dim() != 2 || outputs.size(0) != targets.size(0))
        throw EvalError(modelPath + ": a classifier must return [batch, classes] logits, this one returns ["
                        + std::to_string(outputs.dim() ? outputs.size(0) : 0) + " ...] with "
                        + std::to_string(outputs.dim()) + " dimensions");
    const int64_t maxLabel = targets.max().item<int64_t>();
    if (maxLabel >= outputs.size(1))
        throw EvalError(modelPath + ": the model has " + std::to_string(outputs.size(1))
                        + " outputs but the dataset has label " + std::to_string(maxLabel));
}

void ClassificationTask::accumulate(const torch::Tensor& outputs, const torch::Tensor& targets, EvalResult& into) const
{
    const torch::Tensor logits = outputs.to(torch::kFloat32);
    into.lossSum += at::cross_entropy_loss(logits, targets, {}, at::Reduction::Sum, -100, 0.0)
                        .to(torch::kFloat64)
                        .item<double>();
    const int64_t k = std::min<int64_t>(5, logits.size(1));
    const torch::Tensor top = std::get<1>(logits.topk(k, 1));
    const torch::Tensor hits = top.eq(targets.unsqueeze(1));
    into.correctTop1 += hits.select(1, 0).sum().item<int64_t>();
    into.correctTop5 += hits.any(1).sum().item<int64_t>();
    into.samples += targets.size(0);
}

torch::Tensor ClassificationTask::meanLoss(const torch::Tensor& outputs, const torch::Tensor& targets) const
{
    return at::cross_entropy_loss(outputs, targets, {}, at::Reduction::Mean, -100, 0.0);
}

Interval top1Interval(const EvalResult& r)
{
    if (r.samples == 0)
        return {0.0, 1.0};
    const double z = 1.959963984540054;
    const double n = static_cast<double>(r.samples);
    const double p = r.top1();
    const double denom = 1.0 + z * z / n;
    const double centre = (p + z * z / (2 * n)) / denom;
    const double half = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom;
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

} // namespace bitlens
