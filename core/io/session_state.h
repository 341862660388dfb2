#pragma once
// What a GUI session keeps beside the analysis in a bundle's /session group, so that reopening the
// bundle restores every view: the dataset it measured on, the plan being edited with its pins and
// tie groups, the cost table the views read, every plan measured so far and the last allocator
// run's Pareto front. Layout in README ("Analysis bundle"). Qt-free plain values.

#include "../alloc/pareto_front.h"
#include "../eval/eval_result.h"
#include "../quant/compression_plan.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bitlens {

// One plan measured on the evaluation split, with what was predicted for it when it was measured.
struct MeasuredPlan {
    CompressionPlan plan;
    int64_t bytes = 0;      // the whole model's (PlanCost::totalBytes)
    int64_t layerBytes = 0; // the compressible layers' (PlanCost::layerBytes), as a Pareto front counts
    double averageBits = 0.0;
    double predictedDeltaLoss = 0.0; // what the active cost table said when it was measured
    EvalResult result;
    bool operator==(const MeasuredPlan& o) const;
};

// An allocator run's Pareto front with the plan of every point, so a point can be applied without
// the problem that produced it.
struct AllocationFront {
    std::string estimator;          // the cost table of the points' ΔLoss
    int64_t budgetBytes = 0;        // of the run
    std::optional<double> budgetBops;
    ParetoFront front;
    std::vector<CompressionPlan> plans; // one per front point
    bool operator==(const AllocationFront& o) const;
};

// Ownership: plain value. Threading: no shared state.
struct SessionState {
    std::string datasetPath;        // empty: none was open
    int64_t calibrationSize = 0;
    uint64_t calibrationSeed = 0;
    std::optional<CompressionPlan> plan;
    std::string estimator;          // empty: the views' default
    std::set<std::string> pinned;   // layers allocators leave at their option in `plan`
    std::vector<std::vector<std::string>> tieGroups; // layer names that take one option together
    std::vector<MeasuredPlan> measuredPlans;         // oldest first
    std::optional<AllocationFront> front;
};

} // namespace bitlens
