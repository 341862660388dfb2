#pragma once
// Every optimal plan from the smallest to the largest budget, from one DP pass, and the lossless
// allocator that reads the smallest plan predicting no loss from it.

#include "allocation.h"
#include "allocation_problem.h"

#include "../progress.h"

#include <cstdint>
#include <vector>

namespace bitlens {

struct FrontPoint {
    int64_t bytes = 0;
    double bops = 0.0;
    double predictedDeltaLoss = 0.0;
    std::vector<int> choices; // option index per layer
};

// Ownership: plain value; memory is points x layers ints. Threading: no shared state.
struct ParetoFront {
    std::vector<FrontPoint> points; // bytes strictly rising, predictedDeltaLoss strictly falling
    double solverSeconds = 0.0;
};

// The knapsack DP run once over the whole byte range at resolutionBytes (rounding relative to each
// decision's cheapest alternative), honouring pins and tie groups and ignoring both budgets. Its
// plans, wherever one more budget step lowers the optimum, are merged with the vertices of the
// LP hull path (greedy_hull.h), which are exact optima at their own bytes and keep the front close
// to optimal where a coarse resolution's per-layer rounding would not (layers smaller than a step).
// Kept: the plans no other candidate beats in both bytes and ΔLoss, at most one per resolution step
// of bytes. With a resolution of 1 byte the front is exact. Time: decisions x (byte range /
// resolution) x options, plus decisions per candidate.
ParetoFront paretoFront(const AllocationProblem& problem, int64_t resolutionBytes, Progress& progress);

// The smallest plan on the front whose predicted ΔLoss is at most `tolerance`, ignoring the budgets;
// throws AllocationError giving the lowest predicted ΔLoss when no plan reaches the tolerance.
Allocation losslessAllocation(const AllocationProblem& problem, int64_t resolutionBytes, Progress& progress,
                              double tolerance = 0.0);

} // namespace bitlens
