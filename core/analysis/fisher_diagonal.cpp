#include "fisher_diagonal.h"

#include "../data/sample_set.h"
#include "../model/model_impl.h"
#include "../progress.h"
#include "hessian_operator.h"

#include <algorithm>

namespace bitlens {

const std::vector<torch::Tensor>& cachedFisherDiagonal(Model& model, const SampleSet& calibration, Progress& progress)
{
    Model::Impl& m = model.impl();
    const std::string key = calibration.cacheKey();
    if (m.fisherKey == key && m.fisher.size() == m.layers.size())
        return m.fisher;
    const int64_t batchSize = std::max<int64_t>(1, std::min(calibration.count(), kFisherBatch));
    SubProgress building(progress, 0.0, 0.1);
    HessianOperator op(model, calibration, calibration.count() / batchSize, batchSize, false, building);
    SubProgress squaring(progress, 0.1, 1.0);
    squaring.report(0.0, "Empirical Fisher diagonal");
    m.fisher = op.fisherDiagonal(squaring);
    m.fisherKey = key;
    return m.fisher;
}

} // namespace bitlens
