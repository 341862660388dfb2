#include "cost_table_problem.h"

#include "../quant/memory_cost.h"

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
    std::vector<CompressionPlan> plans;
    for (const std::string& label : a.sensitivity.options)
        plans.push_back(uniformPlan(label, a.layers));
    AllocationProblem p;
    p.budgetBytes = budgetBytes;
    p.budgetBops = budgetBops;
    for (size_t l = 0; l < a.layers.size(); ++l) {
        AllocationLayer layer;
        layer.name = a.layers[l].name;
        for (size_t o = 0; o < plans.size(); ++o) {
            const LayerCost cost = layerCost(a.layers[l], plans[o].optionFor(layer.name));
            layer.options.push_back({a.sensitivity.options[o], table->deltaLoss[l][o], cost.bytes, double(cost.bops)});
        }
        p.layers.push_back(std::move(layer));
    }
    p.validate();
    return p;
}

CompressionPlan planFromChoices(const AllocationProblem& problem, const std::vector<int>& choices,
                                const std::vector<LayerInfo>& layers)
{
    CompressionPlan plan;
    for (size_t l = 0; l < problem.layers.size(); ++l) {
        const std::string& name = problem.layers[l].name;
        plan.layers[name] = uniformPlan(problem.layers[l].options[size_t(choices[l])].label, layers).optionFor(name);
    }
    return plan;
}

std::vector<int> choicesFromPlan(const CompressionPlan& plan, const std::vector<LayerInfo>& layers,
                                 const std::vector<std::string>& options)
{
    std::vector<int> choices(layers.size(), -1);
    for (size_t o = 0; o < options.size(); ++o) {
        const CompressionPlan candidate = uniformPlan(options[o], layers);
        for (size_t i = 0; i < layers.size(); ++i) {
            if (choices[i] < 0 && candidate.optionFor(layers[i].name) == plan.optionFor(layers[i].name))
                choices[i] = static_cast<int>(o);
        }
    }
    return choices;
}

} // namespace bitlens
