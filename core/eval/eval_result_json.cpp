#include "eval_result_json.h"

#include <cmath>

namespace bitlens {
namespace {

// NaN and infinities are not JSON; null says "not applicable" (an interval of one window).
nlohmann::json number(double v)
{
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

} // namespace

nlohmann::json evalResultJson(const EvalResult& r)
{
    const Interval ci = top1Interval(r);
    nlohmann::json j = {{"task", r.languageModel() ? "language-model" : "classification"},
                        {"samples", r.samples},
                        {"loss", number(r.loss())},
                        {"top1", r.top1()},
                        {"top5", r.top5()},
                        {"top1_ci95", {ci.low, ci.high}},
                        {"correct_top1", r.correctTop1}};
    if (r.languageModel()) {
        const Interval pci = perplexityInterval(r);
        j["perplexity"] = number(r.perplexity());
        j["perplexity_ci95"] = {number(pci.low), number(pci.high)};
        j["tokens"] = r.predictions;
    }
    return j;
}

} // namespace bitlens
