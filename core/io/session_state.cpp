#include "session_state.h"

namespace bitlens {

bool MeasuredPlan::operator==(const MeasuredPlan& o) const
{
    return plan == o.plan && bytes == o.bytes && layerBytes == o.layerBytes && averageBits == o.averageBits
           && predictedDeltaLoss == o.predictedDeltaLoss && result == o.result;
}

bool AllocationFront::operator==(const AllocationFront& o) const
{
    if (estimator != o.estimator || budgetBytes != o.budgetBytes || budgetBops != o.budgetBops || plans != o.plans
        || front.solverSeconds != o.front.solverSeconds || front.points.size() != o.front.points.size())
        return false;
    for (size_t i = 0; i < front.points.size(); ++i) {
        const FrontPoint& a = front.points[i];
        const FrontPoint& b = o.front.points[i];
        if (a.bytes != b.bytes || a.bops != b.bops || a.predictedDeltaLoss != b.predictedDeltaLoss || a.choices != b.choices)
            return false;
    }
    return true;
}

} // namespace bitlens
