#pragma once
// The dynamic program behind the exact allocators: a multiple-choice knapsack over one or two
// discretised capacities (bytes, and BOPs for the two-constraint solver).
//
// Discretisation: each alternative's bytes are measured from an anchor alternative of its decision
// and rounded UP to whole steps of the resolution (toward zero below the anchor, so a saving is
// never overstated); the budget above the anchors is rounded DOWN. A plan the DP accepts therefore
// always fits the true budget, and the DP's plan is optimal among all plans whose rounded steps
// fit: "optimal to the budget's resolution". A plan it can miss needs more than the budget less the
// rounding it collected, at most (decisions off their anchor) x resolution bytes; with a
// resolution of 1 byte the DP is exact. Anchoring at a good plan (knapsack uses the hull-greedy plan
// for the budget) keeps that rounding to the few decisions the DP changes, which matters when many
// layers are smaller than one step. BOPs are discretised the same way from the same anchors.

#include "decisions.h"

#include "../progress.h"

#include <cstdint>
#include <vector>

namespace bitlens {

struct GridOption {
    int64_t byteSteps = 0;
    int64_t bopSteps = 0;
    double deltaLoss = 0.0;
};

// Ownership: plain value. Threading: no shared state.
struct Grid {
    std::vector<std::vector<GridOption>> items; // the decisions with more than one alternative
    std::vector<int> itemDecision;              // the decision of each item
    int64_t baseBytes = 0;                      // what 0 steps in every item stands for
    double baseBops = 0.0;
    int64_t resolutionBytes = 1;
    double resolutionBops = 0.0; // 0: BOPs not discretised (every bopSteps is 0)

    // The budget in steps above the base, negative when below it.
    int64_t byteSteps(int64_t budgetBytes) const;
    int64_t bopSteps(double budgetBops) const;
    // The most steps any plan takes: larger capacities add nothing.
    int64_t byteRange() const;
    int64_t bopRange() const;
    // The alternative per decision from the option per item (decisions without a choice take 0).
    std::vector<int> alternatives(const std::vector<int>& itemChoices, size_t decisionCount) const;
};

// Bytes and BOPs are rounded relative to `anchors` (an alternative per decision; empty: each
// decision's fewest bytes and fewest BOPs); resolutionBops 0 leaves BOPs out. Throws
// AllocationError naming `method` for a resolution below 1 byte (or negative for BOPs) or a layer
// with more than 256 alternatives.
Grid gridOf(const AllocationProblem& problem, const std::vector<Decision>& decisions, int64_t resolutionBytes,
            double resolutionBops, const std::string& method, const std::vector<int>& anchors = {});

// Runs the DP once over capacities [0, byteCapacity] x [0, bopCapacity]; afterwards the optimum and
// its plan at every capacity pair within them can be read. Time: items x states x options; memory:
// one byte per item and state. Throws AllocationError naming `method` when the choice table would
// exceed 1 GiB, Cancelled when the progress says so (checked after each item).
// Ownership: owns its tables. Threading: read-only after construction.
class GroupedDp {
public:
    GroupedDp(std::vector<std::vector<GridOption>> items, int64_t byteCapacity, int64_t bopCapacity,
              const std::string& method, Progress& progress);

    // The least summed deltaLoss of the items within the capacities; +inf when nothing fits.
    double best(int64_t byteSteps, int64_t bopSteps) const;
    // The option per item of that optimum; only for capacities where best() is finite.
    std::vector<int> choicesAt(int64_t byteSteps, int64_t bopSteps) const;

private:
    size_t state(int64_t byteSteps, int64_t bopSteps) const { return size_t(bopSteps) * m_width + size_t(byteSteps); }

    std::vector<std::vector<GridOption>> m_items;
    size_t m_width;  // byte capacities, the contiguous dimension
    size_t m_height; // BOPs capacities
    std::vector<double> m_best;
    std::vector<uint8_t> m_choices; // item-major, then state
};

} // namespace bitlens
