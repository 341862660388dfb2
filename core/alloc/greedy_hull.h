#pragma once
// Greedy-hull allocation and the Lagrangian bound: per decision the lower convex hull of
// (bytes, ΔLoss), then upgrades in order of steepest loss decrease per byte.

#include "allocation.h"
#include "allocation_problem.h"
#include "decisions.h"

#include <cstdint>
#include <vector>

namespace bitlens {

// Honours the byte budget, pins and tie groups; throws AllocationError when the problem also has a
// BOPs budget or the byte budget is infeasible (naming the smallest feasible budget). Takes hull
// upgrades steepest first; an upgrade that does not fit blocks that decision's later ones, but
// cheaper upgrades of other decisions still fill the remaining bytes. gap is measured against the
// Lagrangian bound, so it is at least the true gap. Time: O(options log options).
Allocation greedyHullAllocation(const AllocationProblem& problem);

// Below, a plan's cost is its summed ΔLoss + bopsPrice x its BOPs: a price of 0 (the default) is
// plain ΔLoss; a positive price is the Lagrangian relaxation of a BOPs budget.

// One step along a decision's hull, from one alternative to the next.
struct Upgrade {
    int decision = 0;
    int to = 0;         // alternative index
    int64_t bytes = 0;  // added, > 0
    double bops = 0.0;  // added
    double cost = 0.0;  // added, < 0
};

// Every decision at the start of its hull (fewest bytes, then lowest cost), and all hull upgrades
// steepest first. Slopes rise along each hull, so each decision's upgrades stay in sequence. Every
// prefix of the upgrades is a vertex of the LP relaxation, hence the exact optimum at its own bytes.
struct HullPath {
    std::vector<int> start;
    std::vector<Upgrade> upgrades;
};
HullPath hullPath(const std::vector<Decision>& decisions, double bopsPrice = 0.0);

struct HullGreedy {
    std::vector<int> alternatives; // per decision: the greedy plan
    // The LP relaxation of the multiple-choice knapsack (equal to its Lagrangian dual): the hull
    // path up to the budget, the first upgrade that does not fit taken fractionally. No plan within
    // the budget has a lower cost.
    double bound = 0.0;
};

// The greedy plan and the bound for a budget of at least smallestBytes(decisions).
HullGreedy hullGreedy(const std::vector<Decision>& decisions, int64_t budgetBytes, double bopsPrice = 0.0);

} // namespace bitlens
