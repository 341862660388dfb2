#include "weight_error_estimator.h"

#include "../quant/option_spec.h"

#include <cmath>
#include <limits>

namespace bitlens {
namespace {

// The same stored values: fields that do not apply to a format (a per-channel option's group
// size, which OptionSpec::resolve's per-group fallback keeps) do not count.
bool sameValues(const WeightQuant& a, const WeightQuant& b)
{
    if (a.format != b.format)
        return false;
    if (a.format != NumberFormat::Int)
        return true;
    return a.bits == b.bits && a.granularity == b.granularity && a.symmetric == b.symmetric && a.range == b.range
        && (a.granularity != Granularity::PerGroup || a.groupSize == b.groupSize);
}

} // namespace

SensitivityAnalysis weightErrorSensitivity(const QuantErrorTable& quantError, const std::vector<LayerInfo>& layers)
{
    SensitivityAnalysis s;
    s.options = quantError.options;
    s.layerOptions = resolveCandidates(s.options, layers);
    s.baselineLoss = std::numeric_limits<double>::quiet_NaN();
    std::vector<WeightQuant> columns;
    for (const std::string& spec : quantError.options)
        columns.push_back(optionFromSpec(spec).weight);
    CostTable t;
    t.estimator = kWeightErrorEstimator;
    t.deltaLoss.assign(layers.size(), std::vector<double>(s.options.size(), std::numeric_limits<double>::quiet_NaN()));
    std::vector<std::string> names;
    for (const LayerInfo& l : layers)
        names.push_back(l.name);
    for (size_t o = 0; o < s.options.size(); ++o) {
        for (size_t l = 0; l < layers.size(); ++l) {
            const WeightQuant& given = s.layerOptions[l][o].weight;
            for (size_t c = 0; c < columns.size(); ++c)
                if (sameValues(columns[c], given))
                    t.deltaLoss[l][o] = quantError.squaredError[l][c];
            if (!std::isfinite(t.deltaLoss[l][o]))
                s.problems.push_back("layer '" + names[l] + "': no finite weight error for option '" + s.options[o] + "'");
        }
    }
    t.topLayers = mostSensitiveLayers(t.deltaLoss, names, 5);
    s.tables.push_back(std::move(t));
    return s;
}

} // namespace bitlens
