#include "plan_bits_plot.h"

#include "format.h"
#include "plot_decorations.h"
#include "plot_style.h"

#include <qcustomplot.h>

#include <QObject>

#include <algorithm>

namespace bitlens::views {
namespace {

int formatSeries(const LayerOption& option)
{
    switch (option.weight.format) {
    case NumberFormat::Int:
        return 0;
    case NumberFormat::Float32:
        return option.rank > 0 ? 1 : 2; // FP32 factors are compressed by their rank alone
    default:
        return 1;
    }
}

} // namespace

QCustomPlot* createPlanBitsPlot(const std::vector<LayerInfo>& layers, const CompressionPlan& plan, const PlanCost& cost,
                                QWidget* parent)
{
    std::vector<std::string> names;
    for (const LayerInfo& l : layers)
        names.push_back(l.name);
    QCustomPlot* plot = createFigure(parent, QObject::tr("Plan: bits per weight per layer"), QStringLiteral("plan_bits"),
                                     [names](QCPAbstractPlottable* bars, int index) {
                                         const int layer = layerOfKey(bars, index);
                                         if (layer < 0 || size_t(layer) >= names.size())
                                             return QString();
                                         return QObject::tr("%1: %2 bits per weight")
                                             .arg(QString::fromStdString(names[size_t(layer)]),
                                                  valueText(bars->interface1D()->dataMainValue(index)));
                                     });
    plot->xAxis->setLabel(QObject::tr("layer"));
    plot->yAxis->setLabel(QObject::tr("bits per weight (scales included)"));
    showLegendAbove(plot);
    const QString seriesNames[] = {QObject::tr("integer"), QObject::tr("float format or low rank"), QObject::tr("FP32")};
    const QColor colours[] = {seriesColor(0), seriesColor(1), QColor(160, 160, 160)};
    QVector<double> keys[3], values[3];
    double top = 1.0;
    for (size_t i = 0; i < layers.size() && i < cost.layers.size(); ++i) {
        const int series = formatSeries(plan.optionFor(layers[i].name));
        keys[series] << double(i);
        values[series] << cost.layers[i].bitsPerWeight;
        top = std::max(top, cost.layers[i].bitsPerWeight);
    }
    for (int s = 0; s < 3; ++s) {
        auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
        bars->setName(seriesNames[s]);
        bars->setPen(Qt::NoPen);
        bars->setBrush(colours[s]);
        bars->setWidth(0.7);
        bars->setData(keys[s], values[s], true);
        if (keys[s].isEmpty())
            bars->removeFromLegend();
    }
    addHorizontalLine(plot, cost.averageBits, markerPen(Qt::black));
    addLegendEntry(plot, QObject::tr("model average %1 bits").arg(valueText(cost.averageBits, 3)), markerPen(Qt::black));
    setLayerTicks(plot->xAxis, names);
    const double layerCount = double(layers.size());
    setViewReset(plot, [plot, layerCount, top] {
        plot->xAxis->setRange(-0.5, layerCount - 0.5);
        plot->yAxis->setRange(0, top * 1.1);
    });
    resetView(plot);
    return plot;
}

} // namespace bitlens::views
