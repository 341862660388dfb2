#include "measured_plans_plot.h"

#include "format.h"
#include "plot_decorations.h"
#include "plot_style.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace bitlens::views {
namespace {

// [low, high] scaled by `margin` about its centre; a single value gets 10 % of itself either side.
void showRange(QCPAxis* axis, double low, double high, double margin)
{
    if (high <= low) {
        const double half = low != 0.0 ? 0.1 * std::abs(low) : 1.0;
        low -= half;
        high += half;
    }
    axis->setRange(low, high);
    axis->scaleRange(margin);
}

} // namespace

MeasuredPlansPlot::MeasuredPlansPlot(QWidget* parent) : QWidget(parent)
{
    m_plot = createFigure(this, tr("Measured plans"), QStringLiteral("measured_plans"),
                          [this](QCPAbstractPlottable* p, int i) {
        if (p != m_plot->plottable(0) || i < 0 || size_t(i) >= m_order.size())
            return QString();
        const MeasuredPoint& m = m_points[m_order[size_t(i)]];
        QString text = tr("%1\n%2 MB, %3 %4").arg(m.label).arg(m.megabytes, 0, 'f', 3).arg(m_headline.noun(),
                                                                                          headlineWithInterval(m.result));
        if (m.result.languageModel())
            text += tr("\nnext-token top-1 %1").arg(percent(m.result.top1()));
        return text + tr("\nclick to take this plan back");
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
    m_plot->yAxis->setLabel(m_headline.axisLabel());
    m_plot->legend->setVisible(true);
    showLegendAbove(m_plot);
    installClickPicking(m_plot, [this](const PlotHit& hit) {
        if (hit.plottable == m_plot->plottable(0) && hit.dataIndex >= 0 && size_t(hit.dataIndex) < m_order.size())
            emit pointChosen(int(m_order[size_t(hit.dataIndex)]));
    });
    setViewReset(m_plot, [this] { fitView(); });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
}

void MeasuredPlansPlot::setPoints(const std::vector<MeasuredPoint>& points, const std::optional<EvalResult>& baseline,
                                  int current, TaskKind task)
{
    m_points = points;
    m_headline = HeadlineFormat(task);
    const auto y = [this](const EvalResult& r) { return m_headline.axisValue(headlineValue(r)); };
    // QCustomPlot keeps data sorted by key: remember which plan each sorted point is.
    m_order.resize(points.size());
    std::iota(m_order.begin(), m_order.end(), size_t(0));
    std::stable_sort(m_order.begin(), m_order.end(),
                     [&](size_t a, size_t b) { return points[a].megabytes < points[b].megabytes; });
    QVector<double> x, values, lowErr, highErr;
    for (size_t i : m_order) {
        const MeasuredPoint& m = points[i];
        const Interval ci = headlineInterval(m.result);
        x << m.megabytes;
        values << y(m.result);
        lowErr << values.back() - m_headline.axisValue(ci.low);
        highErr << m_headline.axisValue(ci.high) - values.back();
    }
    m_plot->graph(0)->setData(x, values, true);
    static_cast<QCPErrorBars*>(m_plot->plottable(1))->setData(lowErr, highErr);
    m_plot->graph(1)->data()->clear();
    if (current >= 0 && size_t(current) < points.size())
        m_plot->graph(1)->addData(points[size_t(current)].megabytes, y(points[size_t(current)].result));
    clearDecorations(m_plot);
    if (baseline) {
        addHorizontalLine(m_plot, y(*baseline), markerPen(Qt::darkGray));
        addLegendEntry(m_plot, tr("FP32 baseline %1").arg(m_headline.text(headlineValue(*baseline))), markerPen(Qt::darkGray));
    }
    m_plot->yAxis->setLabel(m_headline.axisLabel());
    m_baseline = baseline;
    fitView();
    fitLegendColumns(m_plot);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

// Every point with its interval and the baseline in view, with a margin. Not rescaleAxes: it
// leaves out the baseline line, and with every point at one size (one plan measured) it keeps
// the axis's old width, which the margin would widen again on every update.
void MeasuredPlansPlot::fitView()
{
    std::vector<double> xs, ys;
    for (const MeasuredPoint& m : m_points) {
        const Interval ci = headlineInterval(m.result);
        xs.push_back(m.megabytes);
        ys.insert(ys.end(), {m_headline.axisValue(ci.low), m_headline.axisValue(headlineValue(m.result)),
                             m_headline.axisValue(ci.high)});
    }
    if (m_baseline)
        ys.push_back(m_headline.axisValue(headlineValue(*m_baseline)));
    // A 2-bit plan can multiply perplexity tenfold; on a linear axis the useful plans would
    // collapse onto the baseline. Narrower spans stay linear: a log axis would show no tick.
    const auto [lowest, highest] = std::minmax_element(ys.begin(), ys.end());
    const bool log = m_headline.languageModel() && !ys.empty() && *lowest > 0 && *highest / *lowest >= 10.0;
    if (log) {
        setLogScale(m_plot->yAxis);
    } else {
        m_plot->yAxis->setScaleType(QCPAxis::stLinear);
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    }
    if (!xs.empty())
        showRange(m_plot->xAxis, *std::min_element(xs.begin(), xs.end()), *std::max_element(xs.begin(), xs.end()), 1.15);
    if (!ys.empty())
        showRange(m_plot->yAxis, *lowest, *highest, log ? 1.1 : 1.3);
}

} // namespace bitlens::views
