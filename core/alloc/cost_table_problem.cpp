#include "cost_table_problem.h"

#include "../quant/memory_cost.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace bitlens {

int64_t budgetBytesFromText(const std::string& text, const std::vector<LayerInfo>& layers)
{
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    const std::string unit = end ? std::string(end) : std::string();
    if (end == text.c_str() || !(value > 0) || !std::isfinite(value))
        throw AllocationError("--budget: '" + text + "' is not a positive number with a unit (4bits, 12MB)");
    if (unit == "bits" || unit == "bit") {
        double bytes = 0.0;
        for (const LayerInfo& l : layers)
            bytes += value * double(l.weightParams) / 8.0 + 4.0 * double(l.biasParams);
        return int64_t(std::floor(bytes));
    }
    const std::pair<const char*, double> units[] = {{"B", 1.0}, {"kB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
                                                    {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}};
    for (const auto& [name, scale] : units) {
        if (unit == name)
            return int64_t(std::floor(value * scale));
    }
    throw AllocationError("--budget: unknown unit '" + unit + "' in '" + text + "' (bits, B, kB, MB, GB, KiB, MiB, GiB)");
}

int64_t hundredthBitResolution(const std::vector<LayerInfo>& layers)
{
    int64_t weights = 0;
    for (const LayerInfo& l : layers)
        weights += l.weightParams;
    return std::max<int64_t>(1, int64_t(std::llround(double(weights) * 0.01 / 8.0)));
}

AllocationProblem problemFromAnalysis(const ModelAnalysis& a, const std::string& estimator, int64_t budgetBytes,
                                      std::optional<double> budgetBops)
{
    const CostTable* table = a.sensitivity.table(estimator);
    if (!table)
        throw AllocationError("the bundle has no '" + estimator + "' sensitivity table (analyze --sensitivity --estimators "
                              + estimator + ")");
    const auto& resolved = a.sensitivity.layerOptions;
    if (resolved.size() != a.layers.size()
        || std::any_of(resolved.begin(), resolved.end(), [&](const auto& row) { return row.size() != a.sensitivity.options.size(); }))
        throw AllocationError("the sensitivity analysis does not hold each option for each of the model's "
                              + std::to_string(a.layers.size()) + " layers");
    AllocationProblem p;
    p.budgetBytes = budgetBytes;
    p.budgetBops = budgetBops;
    for (size_t l = 0; l < a.layers.size(); ++l) {
        AllocationLayer layer;
        layer.name = a.layers[l].name;
        for (size_t o = 0; o < a.sensitivity.options.size(); ++o) {
            const LayerOption& option = resolved[l][o];
            const LayerCost cost = layerCost(a.layers[l], option);
            layer.options.push_back({a.sensitivity.options[o], table->deltaLoss[l][o], cost.bytes, double(cost.bops), option});
        }
        p.layers.push_back(std::move(layer));
    }
    p.validate();
    return p;
}

CompressionPlan planFromChoices(const AllocationProblem& problem, const std::vector<int>& choices)
{
    CompressionPlan plan;
    for (size_t l = 0; l < problem.layers.size(); ++l)
        plan.layers[problem.layers[l].name] = problem.layers[l].options[size_t(choices[l])].option;
    return plan;
}

std::vector<int> choicesFromPlan(const CompressionPlan& plan, const std::vector<LayerInfo>& layers,
                                 const std::vector<std::vector<LayerOption>>& layerOptions)
{
    std::vector<int> choices(layers.size(), -1);
    for (size_t i = 0; i < layers.size() && i < layerOptions.size(); ++i) {
        const std::vector<LayerOption>& options = layerOptions[i];
        const auto found = std::find(options.begin(), options.end(), plan.optionFor(layers[i].name));
        if (found != options.end())
            choices[i] = int(found - options.begin());
    }
    return choices;
}

} // namespace bitlens
