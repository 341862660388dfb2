#include "allocator_registry.h"

#include "greedy_hull.h"
#include "knapsack.h"
#include "pareto_front.h"

namespace bitlens {
namespace {

// The exact plan for the problem's budgets: what evolutionary mutates from.
Allocation exactAllocation(const AllocationProblem& problem, const AllocatorSettings& settings, Progress& progress)
{
    if (problem.budgetBops)
        return twoConstraintAllocation(problem, settings.resolutionBytes, settings.resolutionBops, progress);
    return knapsackAllocation(problem, settings.resolutionBytes, progress);
}

Allocation evolutionary(const AllocationProblem& problem, const AllocatorSettings& settings, Progress& progress)
{
    if (!settings.fitness)
        throw AllocationError("the evolutionary allocator needs a fitness (the measured loss of a whole plan), "
                              "and none was given");
    SubProgress startProgress(progress, 0.0, 0.1);
    const Allocation start = exactAllocation(problem, settings, startProgress);
    SubProgress searchProgress(progress, 0.1, 1.0);
    Allocation a = evolutionaryAllocation(problem, start.choices, settings.fitness, settings.evolution, searchProgress)
                       .allocation;
    a.solverSeconds += start.solverSeconds;
    return a;
}

} // namespace

std::vector<AllocatorInfo> builtInAllocators()
{
    return {
        {"knapsack", "Knapsack (exact)",
         "The least predicted loss within the byte budget, optimal to the byte resolution."},
        {"two-constraint", "Knapsack, bytes and BOPs (exact)",
         "The least predicted loss within both the byte and the BOPs budget, optimal to both resolutions."},
        {"greedy-hull", "Greedy hull (fast)",
         "Upgrades along each layer's convex hull, steepest first; near-optimal, with a bound on its gap."},
        {"lossless", "Lossless",
         "The smallest plan predicting a loss change within the tolerance, whatever the budget."},
        {"evolutionary", "Evolutionary (measured)",
         "Starts from the exact plan and mutates it, judged by the measured loss of the whole model."},
    };
}

Allocation runBuiltInAllocator(const std::string& id, const AllocationProblem& problem,
                               const AllocatorSettings& settings, Progress& progress)
{
    if (id == "knapsack")
        return knapsackAllocation(problem, settings.resolutionBytes, progress);
    if (id == "two-constraint")
        return twoConstraintAllocation(problem, settings.resolutionBytes, settings.resolutionBops, progress);
    if (id == "greedy-hull")
        return greedyHullAllocation(problem);
    if (id == "lossless")
        return losslessAllocation(problem, settings.resolutionBytes, progress, settings.tolerance);
    if (id == "evolutionary")
        return evolutionary(problem, settings, progress);
    std::string known;
    for (const AllocatorInfo& info : builtInAllocators())
        known += (known.empty() ? "" : ", ") + info.id;
    throw AllocationError("unknown allocator '" + id + "' (known: " + known + ")");
}

} // namespace bitlens
