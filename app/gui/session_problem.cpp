#include "session_problem.h"

#include "core/alloc/cost_table_problem.h"
#include "core/quant/memory_cost.h"

#include <algorithm>
#include <limits>

namespace bitlens::app {

CompressionPlan SessionProblem::planOf(const std::vector<int>& choices) const
{
    return planFromChoices(problem, choices);
}

SessionProblem sessionProblem(const ModelAnalysis& analysis, const std::string& estimator, const CompressionPlan& plan,
                              const std::set<std::string>& pinned, int64_t budgetBytes, std::optional<double> budgetBops)
{
    SessionProblem s;
    s.problem = problemFromAnalysis(analysis, estimator, budgetBytes, budgetBops);
    const std::vector<LayerInfo>& layers = analysis.layers;
    const std::vector<int> inTable = choicesFromPlan(plan, layers, analysis.sensitivity.layerOptions);
    for (size_t l = 0; l < layers.size(); ++l) {
        if (!pinned.count(layers[l].name))
            continue;
        if (inTable[l] >= 0) {
            s.problem.pinned[int(l)] = inTable[l];
            continue;
        }
        const LayerOption& option = plan.optionFor(layers[l].name);
        const LayerCost cost = layerCost(layers[l], option);
        std::vector<AllocationOption>& options = s.problem.layers[l].options;
        options.push_back({"pinned: " + option.label(), 0.0, cost.bytes, double(cost.bops), option});
        s.problem.pinned[int(l)] = int(options.size()) - 1;
    }
    s.problem.validate();
    return s;
}

std::vector<OptionSpan> optionSpans(const ModelAnalysis& analysis)
{
    const std::vector<std::vector<LayerOption>>& layerOptions = analysis.sensitivity.layerOptions;
    if (analysis.sensitivity.options.empty() || layerOptions.size() != analysis.layers.size())
        return {};
    std::vector<OptionSpan> spans(analysis.layers.size(), {std::numeric_limits<int64_t>::max(), 0,
                                                           std::numeric_limits<double>::infinity(), 0.0});
    for (size_t l = 0; l < spans.size(); ++l) {
        for (const LayerOption& option : layerOptions[l]) {
            const LayerCost cost = layerCost(analysis.layers[l], option);
            OptionSpan& span = spans[l];
            span.minBytes = std::min(span.minBytes, cost.bytes);
            span.maxBytes = std::max(span.maxBytes, cost.bytes);
            span.minBops = std::min(span.minBops, double(cost.bops));
            span.maxBops = std::max(span.maxBops, double(cost.bops));
        }
    }
    return spans;
}

views::BudgetRange budgetRange(const std::vector<LayerInfo>& layers, const std::vector<OptionSpan>& spans,
                               const CompressionPlan& plan, const std::set<std::string>& pinned)
{
    views::BudgetRange r;
    if (spans.empty() || spans.size() != layers.size())
        return r;
    bool macsKnown = true;
    for (size_t l = 0; l < layers.size(); ++l) {
        r.scale.weights += layers[l].weightParams;
        r.scale.biasBytes += 4 * layers[l].biasParams;
        macsKnown = macsKnown && layers[l].macsPerSample >= 0;
        OptionSpan span = spans[l];
        if (pinned.count(layers[l].name)) {
            const LayerCost cost = layerCost(layers[l], plan.optionFor(layers[l].name));
            span = {cost.bytes, cost.bytes, double(cost.bops), double(cost.bops)};
        }
        r.minBytes += span.minBytes;
        r.maxBytes += span.maxBytes;
        r.minBops += span.minBops;
        r.maxBops += span.maxBops;
    }
    if (!macsKnown)
        r.minBops = r.maxBops = 0.0; // BOPs need every layer's MACs
    return r;
}

} // namespace bitlens::app
