#pragma once
// Allocation: what every allocator returns, a plan with its predicted totals and how close to
// optimal it is known to be.

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

// Ownership: plain value. Threading: no shared state.
struct Allocation {
    std::vector<int> choices; // option index per layer of the problem
    double predictedDeltaLoss = 0.0;
    int64_t bytes = 0;
    double bops = 0.0;
    double solverSeconds = 0.0;
    // How far predictedDeltaLoss may lie above the optimum of the problem the solver solved: 0 for
    // the exact solvers (knapsack, two-constraint, lossless: optimal for bytes rounded up to their
    // resolution), predictedDeltaLoss - lowerBound for greedy-hull and evolutionary.
    double gap = 0.0;
    // The Lagrangian (LP-relaxation) bound at the byte budget on the unrounded problem: no plan that
    // fits the budget predicts a lower ΔLoss. For the exact solvers, predictedDeltaLoss - lowerBound
    // bounds what the budget resolution (and a BOPs budget) can have cost.
    double lowerBound = 0.0;
    std::string method; // "knapsack", "two-constraint", "greedy-hull", "lossless", "evolutionary"
};

} // namespace bitlens
