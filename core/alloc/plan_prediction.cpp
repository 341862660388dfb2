#include "plan_prediction.h"

#include "cost_table_problem.h"

#include <cmath>
#include <limits>

namespace bitlens {

PlanPrediction predictPlan(const CompressionPlan& plan, const std::vector<LayerInfo>& layers, int64_t totalParams,
                           const SensitivityAnalysis& sensitivity, const std::string& estimator)
{
    PlanPrediction p;
    p.cost = planCost(layers, totalParams, plan);
    const CostTable* table = sensitivity.table(estimator);
    if (!table && !sensitivity.tables.empty())
        table = &sensitivity.tables.front();
    const bool usable = table && table->deltaLoss.size() == layers.size();
    if (usable)
        p.estimator = table->estimator;
    const std::vector<int> choices = usable ? choicesFromPlan(plan, layers, sensitivity.layerOptions) : std::vector<int>{};
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (size_t i = 0; i < layers.size(); ++i) {
        double cell = nan;
        if (plan.optionFor(layers[i].name) == LayerOption{})
            cell = 0.0; // FP32 weights change nothing
        else if (usable && choices[i] >= 0)
            cell = table->deltaLoss[i][size_t(choices[i])];
        p.layerDeltaLoss.push_back(cell);
        if (std::isfinite(cell))
            p.deltaLoss += cell;
        else
            ++p.unpredictedLayers;
    }
    p.predictedLoss = sensitivity.baselineLoss + p.deltaLoss;
    return p;
}

} // namespace bitlens
