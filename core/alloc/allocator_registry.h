#pragma once
// The built-in allocators by id, with one settings struct for all of them: how the CLI reaches the
// algorithms without Qt, and what the built-in allocator plugin wraps for the GUI.
//
// pareto_front.h's paretoFront is no allocator here: it returns a family of plans, not one plan for
// a budget. Its single-plan reading, lossless, is.

#include "allocation.h"
#include "allocation_problem.h"
#include "evolutionary.h"

#include "../progress.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

struct AllocatorInfo {
    std::string id;          // what runBuiltInAllocator and the CLI's --allocator take
    std::string name;        // for menus
    std::string description; // one sentence: what it optimises and what it guarantees
};

// Ownership: plain value. Threading: fitness is called from the thread running the allocator.
struct AllocatorSettings {
    int64_t resolutionBytes = 1; // knapsack, two-constraint, lossless (and evolutionary's start plan)
    double resolutionBops = 1;   // two-constraint
    double tolerance = 0;        // lossless: the largest predicted ΔLoss that counts as no loss
    EvolutionSettings evolution;
    PlanFitness fitness; // evolutionary only: the measured loss of a whole plan
};

// knapsack, two-constraint, greedy-hull, lossless, evolutionary.
std::vector<AllocatorInfo> builtInAllocators();

// Runs the allocator `id` on the problem. Throws AllocationError for an unknown id (listing the
// known ones), for evolutionary without settings.fitness, and whatever the allocator itself throws
// (see its header); Cancelled when the progress says so. Evolutionary starts from the exact plan:
// knapsack's, or two-constraint's when the problem has a BOPs budget; its solverSeconds include it.
Allocation runBuiltInAllocator(const std::string& id, const AllocationProblem& problem,
                               const AllocatorSettings& settings, Progress& progress);

} // namespace bitlens
