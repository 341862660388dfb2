#include "analysis_values.h"

#include "format.h"

#include <QObject>

#include <cmath>

namespace bitlens::views {

double deltaLossAt(const CostTable& table, size_t layer, size_t option)
{
    return layer < table.deltaLoss.size() && option < table.deltaLoss[layer].size() ? table.deltaLoss[layer][option] : NAN;
}

QString deltaLossText(const ModelAnalysis& analysis, const CostTable& table, size_t layer, size_t option)
{
    return QObject::tr("%1 · %2\n%3 ΔLoss = %4 nats")
        .arg(QString::fromStdString(analysis.layers[layer].name), QString::fromStdString(analysis.sensitivity.options[option]),
             QString::fromStdString(table.estimator), valueText(deltaLossAt(table, layer, option)));
}

bool hessianDone(const LayerHessian& layer)
{
    return !layer.topEigenvalues.empty();
}

bool traceDone(const LayerHessian& layer)
{
    return std::isfinite(layer.trace) && (layer.traceSamples > 0 || layer.trace != 0.0);
}

} // namespace bitlens::views
