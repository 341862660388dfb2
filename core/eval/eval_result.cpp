#include "eval_result.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace bitlens {
namespace {

constexpr double Z95 = 1.959963984540054;

} // namespace

double EvalResult::perplexity() const
{
    return std::exp(loss());
}

bool EvalResult::operator==(const EvalResult& o) const
{
    return task == o.task && samples == o.samples && total == o.total && predictions == o.predictions
           && lossSum == o.lossSum && sampleLossSquares == o.sampleLossSquares && correctTop1 == o.correctTop1
           && correctTop5 == o.correctTop5 && seconds == o.seconds && batchSize == o.batchSize;
}

Interval top1Interval(const EvalResult& r)
{
    if (r.predictions == 0)
        return {0.0, 1.0};
    const double z = Z95;
    const double n = static_cast<double>(r.predictions);
    const double p = r.top1();
    const double denom = 1.0 + z * z / n;
    const double centre = (p + z * z / (2 * n)) / denom;
    const double half = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom;
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Interval perplexityInterval(const EvalResult& r)
{
    if (r.samples < 2)
        return {1.0, std::numeric_limits<double>::infinity()};
    const double n = static_cast<double>(r.samples);
    const double mean = r.loss(); // every window scores the same number of tokens
    const double variance = std::max(0.0, (r.sampleLossSquares - n * mean * mean) / (n - 1));
    const double half = Z95 * std::sqrt(variance / n);
    return {std::exp(mean - half), std::exp(mean + half)};
}

Headline headlineOf(TaskKind task)
{
    return task == TaskKind::LanguageModel ? Headline{"Perplexity", false} : Headline{"Top-1", true};
}

double headlineValue(const EvalResult& r)
{
    return r.languageModel() ? r.perplexity() : r.top1();
}

Interval headlineInterval(const EvalResult& r)
{
    return r.languageModel() ? perplexityInterval(r) : top1Interval(r);
}

} // namespace bitlens
