#pragma once
// Shared by the allocators: a problem reduced to independent decisions, so that every solver honours
// pins and tie groups the same way. A free layer is one decision over its options; a tie group is one
// decision over the labels all its members have, costing the sum of the members' options; a pin
// leaves its layer (or its whole tie group) a single alternative.

#include "allocation.h"
#include "allocation_problem.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

struct Alternative {
    std::vector<int> options; // option index per member layer of the decision
    int64_t bytes = 0;
    double bops = 0.0;
    double deltaLoss = 0.0;
};

struct Decision {
    std::vector<int> layers; // ascending layer indices
    std::vector<Alternative> alternatives;
};

// Validates the problem; decisions are ordered by their first layer.
std::vector<Decision> decisionsOf(const AllocationProblem& problem);

// The option per layer for one alternative per decision.
std::vector<int> layerChoices(const AllocationProblem& problem, const std::vector<Decision>& decisions,
                              const std::vector<int>& alternatives);

// The alternative per decision of a plan; throws AllocationError naming `method` and the layer when
// the plan breaks a pin or a tie group or picks an option out of range.
std::vector<int> alternativesOf(const AllocationProblem& problem, const std::vector<Decision>& decisions,
                                const std::vector<int>& choices, const std::string& method);

struct PlanTotals {
    int64_t bytes = 0;
    double bops = 0.0;
    double deltaLoss = 0.0;
};
PlanTotals totalsOf(const std::vector<Decision>& decisions, const std::vector<int>& alternatives);

// The fewest bytes any plan that honours the pins and tie groups needs.
int64_t smallestBytes(const std::vector<Decision>& decisions);

// Throws AllocationError naming `method` and the smallest feasible budget when the byte budget is
// below it.
void requireByteBudget(const AllocationProblem& problem, const std::vector<Decision>& decisions,
                       const std::string& method);

// The plan with its predicted totals; gap, lowerBound and solverSeconds are the caller's to fill.
Allocation allocationOf(const AllocationProblem& problem, std::vector<int> choices, std::string method);

} // namespace bitlens
