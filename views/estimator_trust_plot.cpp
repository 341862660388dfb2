#include "estimator_trust_plot.h"

#include "analysis_placeholder.h"
#include "analysis_values.h"
#include "format.h"
#include "plot_decorations.h"
#include "plot_style.h"
#include "symlog.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <cmath>

namespace bitlens::views {

EstimatorTrustPlot::EstimatorTrustPlot(QWidget* parent)
    : QWidget(parent),
      m_plot(createFigure(nullptr, tr("Estimator trust: predicted against measured ΔLoss"), QStringLiteral("estimator_trust"),
                          [this](QCPAbstractPlottable* curve, int index) { return describe(curve, index); })),
      m_placeholder(new AnalysisPlaceholder(m_plot))
{
    m_plot->xAxis->setLabel(tr("ΔLoss measured (nats, symlog)"));
    m_plot->yAxis->setLabel(tr("ΔLoss predicted (nats, symlog)"));
    showLegendAbove(m_plot);
    installClickPicking(m_plot, [this](const PlotHit& hit) {
        const auto series = m_series.constFind(hit.plottable);
        if (series != m_series.cend() && size_t(hit.dataIndex) < series->cells.size())
            emit layerSelected(int(series->cells[size_t(hit.dataIndex)].layer));
    });
    connect(m_placeholder, &AnalysisPlaceholder::analyseRequested, this, &EstimatorTrustPlot::analyseRequested);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_placeholder);
    setAnalysis(nullptr);
}

QCustomPlot* EstimatorTrustPlot::plot() const
{
    return m_plot;
}

// Empty when there is something to compare; else what to run.
QString EstimatorTrustPlot::availability() const
{
    if (!m_analysis || m_analysis->sensitivity.empty())
        return tr("Run Analyse with sensitivity enabled (needs a calibration set).");
    if (!m_analysis->sensitivity.table("measured"))
        return tr("Run Analyse with the measured estimator: it is the ground truth the others are compared with.");
    if (m_analysis->sensitivity.tables.size() < 2)
        return tr("Run Analyse with at least one estimator besides measured.");
    return {};
}

void EstimatorTrustPlot::setAnalysis(std::shared_ptr<const ModelAnalysis> analysis)
{
    m_analysis = std::move(analysis);
    m_plot->clearPlottables();
    clearDecorations(m_plot);
    m_series.clear();
    const QString missing = availability();
    m_placeholder->showContent(missing.isEmpty(), missing);
    if (!missing.isEmpty())
        return;

    const SensitivityAnalysis& sensitivity = m_analysis->sensitivity;
    const CostTable& measured = *sensitivity.table("measured");
    std::vector<double> all;
    for (const CostTable& table : sensitivity.tables)
        for (const std::vector<double>& row : table.deltaLoss)
            all.insert(all.end(), row.begin(), row.end());
    // One scale for both axes keeps y = x the diagonal.
    const SymLog symlog = SymLog::fitting(all);

    for (size_t e = 0; e < sensitivity.tables.size(); ++e) {
        const CostTable& table = sensitivity.tables[e];
        if (&table == &measured)
            continue;
        Series series{e, {}};
        QVector<double> t, x, y;
        for (size_t l = 0; l < m_analysis->layers.size(); ++l)
            for (size_t o = 0; o < sensitivity.options.size(); ++o) {
                const double truth = deltaLossAt(measured, l, o), predicted = deltaLossAt(table, l, o);
                if (std::isfinite(truth) && std::isfinite(predicted)) {
                    t << double(series.cells.size());
                    x << symlog.toAxis(truth);
                    y << symlog.toAxis(predicted);
                    series.cells.push_back({l, o});
                }
            }
        // Same colour and shape as the estimator's line in the layer's ΔLoss plot.
        auto* curve = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
        QColor fill = seriesColor(int(e));
        fill.setAlpha(90);
        curve->setLineStyle(QCPCurve::lsNone);
        curve->setScatterStyle(seriesMarker(int(e), fill, 7));
        const double rho = table.agreement.spearman;
        curve->setName(tr("%1  ρ = %2").arg(QString::fromStdString(table.estimator),
                                            std::isfinite(rho) ? QString::number(rho, 'f', 2) : tr("–")));
        curve->setData(t, x, y, true);
        m_series.insert(curve, std::move(series));
    }
    m_outline = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
    m_outline->setSelectable(QCP::stNone);
    m_outline->setLineStyle(QCPCurve::lsNone);
    m_outline->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 2.0), Qt::NoBrush, 15));

    const QPen diagonal = markerPen(QColor(120, 120, 120));
    addStraightLine(m_plot, QPointF(0.0, 0.0), QPointF(1.0, 1.0), diagonal);
    addLegendEntry(m_plot, tr("y = x (a perfect estimator)"), diagonal);
    addLegendEntry(m_plot, tr("axes: %1").arg(symlog.formula(tr("ΔL"))), QPen(Qt::NoPen));
    m_plot->xAxis->setTicker(symlog.ticker());
    m_plot->yAxis->setTicker(symlog.ticker());
    setViewReset(m_plot, [this] {
        m_plot->rescaleAxes(true);
        // The same range on both axes, so that distance from the diagonal reads the same everywhere.
        QCPRange range = m_plot->xAxis->range();
        range.expand(m_plot->yAxis->range());
        range.expand(0.0);
        m_plot->xAxis->setRange(range);
        m_plot->xAxis->scaleRange(1.08);
        m_plot->yAxis->setRange(m_plot->xAxis->range());
    });
    resetView(m_plot);
    drawSelection();
}

void EstimatorTrustPlot::setSelectedLayer(int layer)
{
    m_selected = layer;
    drawSelection();
}

void EstimatorTrustPlot::drawSelection()
{
    if (!m_outline)
        return;
    QVector<double> t, x, y;
    for (auto it = m_series.cbegin(); it != m_series.cend(); ++it) {
        const auto* curve = static_cast<const QCPCurve*>(it.key());
        for (size_t i = 0; i < it->cells.size(); ++i)
            if (int(it->cells[i].layer) == m_selected) {
                const QCPCurveData point = *curve->data()->at(int(i));
                t << double(t.size());
                x << point.key;
                y << point.value;
            }
    }
    m_outline->setData(t, x, y, true);
    const bool shown = m_selected >= 0 && size_t(m_selected) < m_analysis->layers.size();
    m_outline->setName(shown ? tr("selected: %1").arg(QString::fromStdString(m_analysis->layers[size_t(m_selected)].name)) : QString());
    if (shown)
        m_outline->addToLegend();
    else
        m_outline->removeFromLegend();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QString EstimatorTrustPlot::describe(QCPAbstractPlottable* curve, int index) const
{
    const auto series = m_series.constFind(curve);
    if (series == m_series.cend() || size_t(index) >= series->cells.size())
        return {};
    const Cell c = series->cells[size_t(index)];
    const SensitivityAnalysis& sensitivity = m_analysis->sensitivity;
    const CostTable& table = sensitivity.tables[series->table];
    return tr("%1 · %2\n%3 predicts ΔLoss = %4 nats\nmeasured ΔLoss = %5 nats")
        .arg(QString::fromStdString(m_analysis->layers[c.layer].name), QString::fromStdString(sensitivity.options[c.option]),
             QString::fromStdString(table.estimator), valueText(deltaLossAt(table, c.layer, c.option)),
             valueText(deltaLossAt(*sensitivity.table("measured"), c.layer, c.option)));
}

} // namespace bitlens::views
