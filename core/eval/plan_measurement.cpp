#include "plan_measurement.h"

#include "../data/dataset.h"
#include "../progress.h"
#include "applied_plan.h"
#include "evaluator.h"
#include "streamed_eval.h"

namespace bitlens {

PlanMeasurement measurePlan(Model& model, const DatasetSplits& data, const CompressionPlan& plan, Progress& progress,
                            const EvalResult* baseline)
{
    const EvalOptions all = streamedEvalOptions(data.evaluation); // every sample, as the GUI measures them
    PlanMeasurement m;
    const bool reuse = baseline && baseline->complete() && baseline->total == data.evaluation.count();
    const double planStart = reuse ? 0.0 : 0.45;
    if (reuse) {
        m.baseline = *baseline;
    } else {
        SubProgress fp32(progress, 0.0, planStart);
        m.baseline = evaluate(model, data.evaluation, all, fp32);
    }
    SubProgress applying(progress, planStart, planStart + 0.1);
    const std::unique_ptr<AppliedPlan> applied = AppliedPlan::apply(model, plan, data.calibration, applying);
    SubProgress evaluating(progress, planStart + 0.1, 1.0);
    m.plan = applied->evaluate(data.evaluation, all, evaluating);
    return m;
}

} // namespace bitlens
