#include "sensitivity_analysis.h"

#include "estimator_registry.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace bitlens {

std::vector<std::string> sensitivityEstimators()
{
    std::vector<std::string> ids;
    for (const EstimatorDescriptor& d : EstimatorRegistry::instance().all())
        if (d.runsByDefault)
            ids.push_back(d.id);
    return ids;
}

std::vector<std::string> defaultSensitivityOptions()
{
    return {"w2", "w3", "w4", "w5", "w6", "w8", "fp8_e4m3", "rank0.5", "rank0.25"};
}

const CostTable* SensitivityAnalysis::table(const std::string& estimator) const
{
    for (const CostTable& t : tables) {
        if (t.estimator == estimator)
            return &t;
    }
    return nullptr;
}

std::vector<std::string> mostSensitiveLayers(const std::vector<std::vector<double>>& deltaLoss,
                                             const std::vector<std::string>& layers, size_t count)
{
    std::vector<std::pair<double, size_t>> mean;
    for (size_t l = 0; l < deltaLoss.size(); ++l) {
        double sum = 0.0;
        int n = 0;
        for (double v : deltaLoss[l]) {
            if (std::isfinite(v)) {
                sum += v;
                ++n;
            }
        }
        if (n > 0)
            mean.emplace_back(sum / n, l);
    }
    std::stable_sort(mean.begin(), mean.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> out;
    for (size_t i = 0; i < mean.size() && i < count; ++i)
        out.push_back(layers[mean[i].second]);
    return out;
}

RankAgreement agreementOf(const std::vector<std::vector<double>>& predicted, const std::vector<std::vector<double>>& measured)
{
    std::vector<double> x, y;
    for (size_t l = 0; l < predicted.size() && l < measured.size(); ++l) {
        for (size_t o = 0; o < predicted[l].size() && o < measured[l].size(); ++o) {
            if (std::isfinite(predicted[l][o]) && std::isfinite(measured[l][o])) {
                x.push_back(predicted[l][o]);
                y.push_back(measured[l][o]);
            }
        }
    }
    RankAgreement a;
    a.cells = int64_t(x.size());
    if (x.size() >= 2) {
        a.spearman = spearmanRho(x, y);
        a.kendall = kendallTauB(x, y);
    }
    return a;
}

} // namespace bitlens
