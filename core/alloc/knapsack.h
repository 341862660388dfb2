#pragma once
// The exact allocators: multiple-choice knapsack over the byte budget, and over bytes and BOPs
// together, both by dynamic programming (grouped_dp.h says what "optimal to the resolution" means).

#include "allocation.h"
#include "allocation_problem.h"

#include "../progress.h"

#include <cstdint>

namespace bitlens {

// The least predicted ΔLoss within the byte budget, honouring pins and tie groups, optimal to
// resolutionBytes (>= 1; e.g. total weights x 0.01 bit / 8 for 1/100 bit per weight). Bytes are
// rounded from the greedy-hull plan for the budget, so the plan is never worse than greedy-hull's.
// Time and memory grow with decisions x (budget span / resolutionBytes). Throws AllocationError
// when the budget is below the smallest feasible plan (naming it) or the problem has a BOPs budget,
// which this solver would ignore.
Allocation knapsackAllocation(const AllocationProblem& problem, int64_t resolutionBytes, Progress& progress);

// The least predicted ΔLoss within both the byte and the BOPs budget, by one DP over both
// discretised capacities, optimal to both resolutions. Both are rounded from a plan within both
// budgets, found by pricing BOPs into the hull greedy (Lagrangian relaxation; its best bound is the
// lowerBound); when no price yields one, from each decision's fewest bytes and BOPs, where with
// many layers smaller than a step the rounding adds up. Limits: time is decisions x byte steps x BOP
// steps x options and memory one byte per decision and state pair (refused over 1 GiB), so keep
// each budget within a few hundred steps for hundreds of layers. Throws AllocationError when the
// problem has no BOPs budget, or when no plan fits: then the message gives the fewest BOPs, or the
// smallest byte budget (at this resolution) that fits within the BOPs budget.
Allocation twoConstraintAllocation(const AllocationProblem& problem, int64_t resolutionBytes, double resolutionBops,
                                   Progress& progress);

} // namespace bitlens
