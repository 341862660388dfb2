#include "decisions.h"

#include <algorithm>

namespace bitlens {
namespace {

Alternative alternativeOf(const AllocationProblem& problem, const std::vector<int>& layers, const std::string& label)
{
    Alternative a;
    for (int layer : layers) {
        const std::vector<AllocationOption>& options = problem.layers[size_t(layer)].options;
        const auto o = std::find_if(options.begin(), options.end(),
                                    [&](const AllocationOption& option) { return option.label == label; });
        if (o == options.end())
            return {};
        a.options.push_back(int(o - options.begin()));
        a.bytes += o->bytes;
        a.bops += o->bops;
        a.deltaLoss += o->deltaLoss;
    }
    return a;
}

// The pinned label of a group, if any member is pinned (validate() made the pins agree).
const std::string* pinnedLabel(const AllocationProblem& problem, const std::vector<int>& layers)
{
    for (int layer : layers)
        if (const auto pin = problem.pinned.find(layer); pin != problem.pinned.end())
            return &problem.layers[size_t(layer)].options[size_t(pin->second)].label;
    return nullptr;
}

} // namespace

std::vector<Decision> decisionsOf(const AllocationProblem& problem)
{
    problem.validate();
    std::vector<std::vector<int>> groups = problem.tieGroups;
    std::vector<bool> tied(problem.layers.size(), false);
    for (std::vector<int>& group : groups) {
        std::sort(group.begin(), group.end());
        for (int layer : group)
            tied[size_t(layer)] = true;
    }
    for (size_t layer = 0; layer < problem.layers.size(); ++layer)
        if (!tied[layer])
            groups.push_back({int(layer)});
    std::sort(groups.begin(), groups.end());

    std::vector<Decision> decisions;
    decisions.reserve(groups.size());
    for (std::vector<int>& group : groups) {
        Decision d;
        d.layers = std::move(group);
        const std::string* pinned = pinnedLabel(problem, d.layers);
        // Labels in the first member's option order; members lacking a label drop it.
        for (const AllocationOption& o : problem.layers[size_t(d.layers.front())].options) {
            if (pinned && o.label != *pinned)
                continue;
            Alternative a = alternativeOf(problem, d.layers, o.label);
            if (!a.options.empty())
                d.alternatives.push_back(std::move(a));
        }
        decisions.push_back(std::move(d));
    }
    return decisions;
}

std::vector<int> layerChoices(const AllocationProblem& problem, const std::vector<Decision>& decisions,
                              const std::vector<int>& alternatives)
{
    std::vector<int> choices(problem.layers.size(), -1);
    for (size_t d = 0; d < decisions.size(); ++d) {
        const Alternative& a = decisions[d].alternatives[size_t(alternatives[d])];
        for (size_t m = 0; m < decisions[d].layers.size(); ++m)
            choices[size_t(decisions[d].layers[m])] = a.options[m];
    }
    return choices;
}

std::vector<int> alternativesOf(const AllocationProblem& problem, const std::vector<Decision>& decisions,
                                const std::vector<int>& choices, const std::string& method)
{
    if (choices.size() != problem.layers.size())
        throw AllocationError(method + ": the plan has " + std::to_string(choices.size()) + " choices for "
                              + std::to_string(problem.layers.size()) + " layers");
    std::vector<int> alternatives;
    for (const Decision& d : decisions) {
        const auto matches = [&](const Alternative& a) {
            for (size_t m = 0; m < d.layers.size(); ++m)
                if (choices[size_t(d.layers[m])] != a.options[m])
                    return false;
            return true;
        };
        const auto a = std::find_if(d.alternatives.begin(), d.alternatives.end(), matches);
        if (a == d.alternatives.end())
            throw AllocationError(method + ": the plan's option for layer '" + problem.layers[size_t(d.layers.front())].name
                                  + "' breaks its pin or tie group, or is out of range");
        alternatives.push_back(int(a - d.alternatives.begin()));
    }
    return alternatives;
}

PlanTotals totalsOf(const std::vector<Decision>& decisions, const std::vector<int>& alternatives)
{
    PlanTotals t;
    for (size_t d = 0; d < decisions.size(); ++d) {
        const Alternative& a = decisions[d].alternatives[size_t(alternatives[d])];
        t.bytes += a.bytes;
        t.bops += a.bops;
        t.deltaLoss += a.deltaLoss;
    }
    return t;
}

int64_t smallestBytes(const std::vector<Decision>& decisions)
{
    int64_t bytes = 0;
    for (const Decision& d : decisions)
        bytes += std::min_element(d.alternatives.begin(), d.alternatives.end(),
                                  [](const Alternative& a, const Alternative& b) { return a.bytes < b.bytes; })
                     ->bytes;
    return bytes;
}

void requireByteBudget(const AllocationProblem& problem, const std::vector<Decision>& decisions,
                       const std::string& method)
{
    const int64_t smallest = smallestBytes(decisions);
    if (problem.budgetBytes < smallest)
        throw AllocationError(method + ": the budget of " + std::to_string(problem.budgetBytes)
                              + " bytes is infeasible; the smallest plan that honours the pins and tie groups needs "
                              + std::to_string(smallest) + " bytes");
}

Allocation allocationOf(const AllocationProblem& problem, std::vector<int> choices, std::string method)
{
    Allocation a;
    for (size_t layer = 0; layer < problem.layers.size(); ++layer) {
        const AllocationOption& o = problem.layers[layer].options[size_t(choices[layer])];
        a.predictedDeltaLoss += o.deltaLoss;
        a.bytes += o.bytes;
        a.bops += o.bops;
    }
    a.choices = std::move(choices);
    a.method = std::move(method);
    return a;
}

} // namespace bitlens
