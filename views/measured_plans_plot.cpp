#include "measured_plans_plot.h"

#include "format.h"
#include "plot_decorations.h"
#include "plot_style.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace bitlens::views {

MeasuredPlansPlot::MeasuredPlansPlot(QWidget* parent) : QWidget(parent)
{
    m_plot = createFigure(this, tr("Measured plans"), QStringLiteral("measured_plans"),
                          [this](QCPAbstractPlottable* p, int i) {
        if (p != m_plot->plottable(0) || i < 0 || size_t(i) >= m_order.size())
            return QString();
        const MeasuredPoint& m = m_points[m_order[size_t(i)]];
        return tr("%1\n%2 MB, top-1 %3 (95 % CI %4 – %5)\nclick to take this plan back")
            .arg(m.label).arg(m.megabytes, 0, 'f', 3).arg(percent(m.top1), percent(m.low), percent(m.high));
    });
    auto* points = m_plot->addGraph();
    points->setName(tr("measured plan (95 % CI)"));
    points->setLineStyle(QCPGraph::lsNone);
    points->setScatterStyle(seriesMarker(0, seriesColor(0), 8));
    auto* errors = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis);
    errors->setDataPlottable(points);
    errors->setPen(QPen(seriesColor(0)));
    errors->setSelectable(QCP::stNone);
    errors->removeFromLegend();
    auto* current = m_plot->addGraph();
    current->setName(tr("current plan"));
    current->setLineStyle(QCPGraph::lsNone);
    current->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 2), Qt::NoBrush, 16));
    current->setSelectable(QCP::stNone);
    m_plot->xAxis->setLabel(tr("model size (MB)"));
    m_plot->yAxis->setLabel(tr("top-1 accuracy (%)"));
    m_plot->legend->setVisible(true);
    showLegendAbove(m_plot);
    installClickPicking(m_plot, [this](const PlotHit& hit) {
        if (hit.plottable == m_plot->plottable(0) && hit.dataIndex >= 0 && size_t(hit.dataIndex) < m_order.size())
            emit pointChosen(int(m_order[size_t(hit.dataIndex)]));
    });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
}

void MeasuredPlansPlot::setPoints(const std::vector<MeasuredPoint>& points, double baselineTop1, int current)
{
    m_points = points;
    // QCustomPlot keeps data sorted by key: remember which plan each sorted point is.
    m_order.resize(points.size());
    std::iota(m_order.begin(), m_order.end(), size_t(0));
    std::stable_sort(m_order.begin(), m_order.end(),
                     [&](size_t a, size_t b) { return points[a].megabytes < points[b].megabytes; });
    QVector<double> x, y, lowErr, highErr;
    for (size_t i : m_order) {
        const MeasuredPoint& m = points[i];
        x << m.megabytes;
        y << 100.0 * m.top1;
        lowErr << 100.0 * (m.top1 - m.low);
        highErr << 100.0 * (m.high - m.top1);
    }
    m_plot->graph(0)->setData(x, y, true);
    static_cast<QCPErrorBars*>(m_plot->plottable(1))->setData(lowErr, highErr);
    m_plot->graph(1)->data()->clear();
    if (current >= 0 && size_t(current) < points.size())
        m_plot->graph(1)->addData(points[size_t(current)].megabytes, 100.0 * points[size_t(current)].top1);
    clearDecorations(m_plot);
    if (baselineTop1 >= 0)
        addHorizontalLine(m_plot, 100.0 * baselineTop1, markerPen(Qt::darkGray));
    if (baselineTop1 >= 0)
        addLegendEntry(m_plot, tr("FP32 baseline %1").arg(percent(baselineTop1)), markerPen(Qt::darkGray));
    m_plot->rescaleAxes();
    m_plot->xAxis->scaleRange(1.15);
    m_plot->yAxis->scaleRange(1.3);
    fitLegendColumns(m_plot);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace bitlens::views
