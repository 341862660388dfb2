// HAWQ-v2's sensitivity, Tr(H_ll)/n · ‖Q(W) − W‖², computed from numbers already in a bundle (the
// weight quantization errors and the Hessian traces) rather than from the model: the built-in
// estimator behind the SensitivityEstimatorPlugin interface.

#include "plugins/estimator_plugin.h"

#include "core/errors.h"
#include "core/stopwatch.h"

#include <QObject>

namespace bitlens {
namespace {

const char* const HawqId = "hawq-from-bundle";

void requireInput(bool ok, const std::string& cause)
{
    if (!ok)
        throw Error(std::string(HawqId) + ": " + cause);
}

void checkInput(const EstimatorInput& input)
{
    const size_t layers = input.layers.size();
    requireInput(!input.hessianTrace.empty(), "the input has no Hessian traces; analyse the Hessian first");
    requireInput(input.hessianTrace.size() == layers && input.parameters.size() == layers
                     && input.weightError.size() == layers,
                 "the traces, parameter counts and weight errors do not all have one entry per layer");
    for (size_t l = 0; l < layers; ++l) {
        requireInput(input.weightError[l].size() == input.options.size(),
                     "layer " + input.layers[l] + " has a weight error for " + std::to_string(input.weightError[l].size())
                         + " options, not " + std::to_string(input.options.size()));
        requireInput(input.parameters[l] > 0, "layer " + input.layers[l] + " has no parameters");
    }
}

} // namespace

class BuiltinEstimatorsPlugin final : public QObject, public SensitivityEstimatorPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BITLENS_ESTIMATOR_IID FILE "builtin_estimators.json")
    Q_INTERFACES(bitlens::SensitivityEstimatorPlugin)

public:
    std::vector<EstimatorInfo> estimators() const override
    {
        return {{HawqId, "HAWQ (from the bundle)",
                 "Tr(H)/n · ‖Q(W) − W‖² per layer and option, from the bundle's Hessian traces and weight errors."}};
    }

    CostTable estimate(const std::string& id, const EstimatorInput& input, Progress& progress) override
    {
        if (id != HawqId)
            throw Error("the built-in estimator plugin has no estimator '" + id + "' (known: " + HawqId + ")");
        const auto clock = std::chrono::steady_clock::now();
        checkInput(input);
        CostTable table;
        table.estimator = HawqId;
        for (size_t l = 0; l < input.layers.size(); ++l) {
            if (progress.cancelled())
                throw Cancelled();
            const double meanTrace = input.hessianTrace[l] / double(input.parameters[l]);
            std::vector<double>& row = table.deltaLoss.emplace_back();
            for (double error : input.weightError[l])
                row.push_back(meanTrace * error); // NaN stays NaN: the option does not apply
        }
        table.seconds = secondsSince(clock);
        return table;
    }
};

} // namespace bitlens

#include "builtin_estimators_plugin.moc"
