#pragma once
// The allocation problem of the plan being edited: a cost table's problem for a budget with the
// session's pinned layers held at their current options, the way back from an allocator's choices
// to a plan, and the range of budgets the table allows. Qt-free.

#include "core/alloc/allocation_problem.h"
#include "core/quant/compression_plan.h"
#include "core/stats/model_analysis.h"
#include "views/budget_range.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bitlens::app {

// Ownership: plain value. Threading: no shared state.
struct SessionProblem {
    AllocationProblem problem;

    CompressionPlan planOf(const std::vector<int>& choices) const;
};

// The `estimator` table's problem (problemFromAnalysis) with every pinned layer held at its option
// in `plan`. A pinned option no table column has (FP32, or one set by hand) becomes one more
// option of that layer, labelled "pinned: <label>", holding that LayerOption. It costs its exact bytes and BOPs (layerCost) and predicts a
// ΔLoss of 0: nothing for FP32, and for a hand-made option a constant that every plan pays
// alike, so no choice depends on it; Session::prediction leaves such a layer out of its sum too.
// Throws AllocationError when the analysis has no such table or a cell is NaN.
SessionProblem sessionProblem(const ModelAnalysis& analysis, const std::string& estimator, const CompressionPlan& plan,
                              const std::set<std::string>& pinned, int64_t budgetBytes, std::optional<double> budgetBops);

// The fewest and most bytes and BOPs of each layer's table options: what budgetRange adds up.
struct OptionSpan {
    int64_t minBytes = 0;
    int64_t maxBytes = 0;
    double minBops = 0.0;
    double maxBops = 0.0;
};
std::vector<OptionSpan> optionSpans(const ModelAnalysis& analysis);

// From the smallest to the largest plan of the table's options, pinned layers at their options in
// `plan`. Cheap (no option is costed but the pinned ones), so it can follow every plan edit.
views::BudgetRange budgetRange(const std::vector<LayerInfo>& layers, const std::vector<OptionSpan>& spans,
                               const CompressionPlan& plan, const std::set<std::string>& pinned);

} // namespace bitlens::app
