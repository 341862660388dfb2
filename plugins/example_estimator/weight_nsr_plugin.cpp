// A minimal third-party estimator plugin, short enough to read as documentation (README: "Writing
// an estimator plugin"). Its one estimator, weight-nsr, predicts a cell's ΔLoss by the weights'
// quantization noise-to-signal ratio ‖Q(W) − W‖² / ‖W‖²: scale-free, so layers of any size and
// magnitude compare, needs no data and no curvature, and costs one pass over the weights per cell.
// It needs BitLens's headers and Qt Core, nothing else.

#include "plugins/estimator_plugin.h"

#include <QObject>

namespace example {

using namespace bitlens;

std::optional<double> noiseToSignal(EstimatorCell& cell)
{
    double signal = 0.0;
    for (int64_t i = 0; i < cell.parameters(); ++i)
        signal += cell.weights()[i] * cell.weights()[i];
    if (signal == 0.0) // an all-zero layer: quantization cannot change it
        return std::nullopt;
    return cell.deltaNorm2() / signal;
}

class WeightNsrPlugin final : public QObject, public SensitivityEstimatorPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BITLENS_ESTIMATOR_IID FILE "example_estimator.json")
    Q_INTERFACES(bitlens::SensitivityEstimatorPlugin)

public:
    std::vector<EstimatorDescriptor> estimators() const override
    {
        EstimatorDescriptor d;
        d.id = "weight-nsr";
        d.name = "Weight noise-to-signal";
        d.description = "‖Q(W) − W‖² / ‖W‖², the weights' quantization noise-to-signal ratio; needs no data.";
        d.compute = noiseToSignal; // needs nothing prepared, costs no passes: the defaults
        return {d};
    }
};

} // namespace example

BITLENS_EXPORT_ESTIMATORS(example::WeightNsrPlugin)

#include "weight_nsr_plugin.moc"
