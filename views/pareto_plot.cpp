#include "pareto_plot.h"

#include "analysis_placeholder.h"
#include "format.h"
#include "plot_decorations.h"
#include "plot_style.h"
#include "symlog.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace bitlens::views {
namespace {

double megabytes(int64_t bytes)
{
    return double(bytes) / 1e6;
}

// The y axis: symmetric log when ΔLoss crosses zero (the lossless neighbourhood lies below it and
// the 2-bit plans decades above), linear otherwise.
struct LossAxis {
    std::optional<SymLog> symlog;
    double toAxis(double v) const { return symlog ? symlog->toAxis(v) : v; }
};

LossAxis lossAxisFor(const ParetoPlotData& data)
{
    std::vector<double> values;
    for (const FrontPoint& p : data.front->points)
        values.push_back(p.predictedDeltaLoss);
    if (data.current)
        values.push_back(data.current->deltaLoss);
    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    if (*low < 0.0 && *high > 0.0)
        return {SymLog::fitting(values)};
    return {};
}

} // namespace

ParetoPlot::ParetoPlot(QWidget* parent)
    : QWidget(parent),
      m_plot(createFigure(nullptr, tr("Pareto front: predicted ΔLoss against size"), QStringLiteral("pareto_front"),
                          [this](QCPAbstractPlottable* p, int index) { return describe(p, index); })),
      m_placeholder(new AnalysisPlaceholder(m_plot))
{
    m_plot->xAxis->setLabel(tr("Compressible layers (MB)"));
    m_plot->xAxis2->setLabel(tr("Average bits per weight"));
    // The top axis reads the bottom one in bits per weight: the same budget in the other unit.
    connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this](const QCPRange& r) {
        if (m_data.scale.valid())
            m_plot->xAxis2->setRange(m_data.scale.bitsAt(int64_t(r.lower * 1e6)), m_data.scale.bitsAt(int64_t(r.upper * 1e6)));
    });
    // Only the bottom axis moves with the mouse; the top one follows it.
    QCPAxisRect* rect = m_plot->axisRect();
    rect->setRangeDragAxes({m_plot->xAxis}, {m_plot->yAxis, m_plot->yAxis2});
    rect->setRangeZoomAxes({m_plot->xAxis}, {m_plot->yAxis, m_plot->yAxis2});
    showLegendAbove(m_plot);
    // A click is picked on release; whether Ctrl was held is known from the press.
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) { m_pressModifiers = e->modifiers(); });
    installClickPicking(m_plot, [this](const PlotHit& hit) {
        if (hit.plottable != m_front)
            return;
        if (m_pressModifiers & Qt::ControlModifier)
            emit pointCompared(hit.dataIndex);
        else
            emit pointChosen(hit.dataIndex);
    });
    setViewReset(m_plot, [this] { resetRanges(); });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_placeholder);
    setData({});
}

QCustomPlot* ParetoPlot::plot() const
{
    return m_plot;
}

QCPGraph* ParetoPlot::frontGraph() const
{
    return m_front;
}

void ParetoPlot::setData(const ParetoPlotData& data)
{
    // Plan edits redraw the current plan; a new front, measurement or y scale resets a zoomed view.
    bool keepView = data.front == m_data.front && data.measured.size() == m_data.measured.size();
    m_data = data;
    std::stable_sort(m_data.measured.begin(), m_data.measured.end(),
                     [](const MeasuredPlanPoint& a, const MeasuredPlanPoint& b) { return a.bytes < b.bytes; });
    m_plot->clearPlottables();
    clearDecorations(m_plot);
    if (!m_data.front || m_data.front->points.empty()) {
        m_placeholder->showMessage(tr("No Pareto front yet"),
                                   tr("Run an allocator: the optimal plans of its cost table, from the smallest to "
                                      "the largest, appear here. Changing the pins or the analysis clears them."));
        return;
    }
    m_placeholder->showContent(true);

    const LossAxis axis = lossAxisFor(m_data);
    const std::optional<double> symlogScale = axis.symlog ? std::optional<double>(axis.symlog->scale) : std::nullopt;
    keepView = keepView && symlogScale == m_symlogScale;
    m_symlogScale = symlogScale;
    QVector<double> x, y;
    for (const FrontPoint& p : m_data.front->points) {
        x << megabytes(p.bytes);
        y << axis.toAxis(p.predictedDeltaLoss);
    }
    // A step line: the best plan within a budget is the largest point left of it.
    m_front = m_plot->addGraph();
    m_front->setName(tr("optimal plans (%1)").arg(m_data.estimator));
    QColor line = seriesColor(0);
    line.setAlpha(110);
    m_front->setPen(QPen(line, 1.2));
    m_front->setLineStyle(QCPGraph::lsStepLeft);
    QColor fill = seriesColor(0);
    fill.setAlpha(90);
    m_front->setScatterStyle(seriesMarker(0, fill, 6));
    m_front->setData(x, y, true);

    if (m_data.current) {
        m_current = m_plot->addGraph();
        m_current->setName(tr("current plan"));
        m_current->setLineStyle(QCPGraph::lsNone);
        m_current->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(Qt::black, 1.5), seriesColor(1), 13));
        m_current->setData({megabytes(m_data.current->bytes)}, {axis.toAxis(m_data.current->deltaLoss)}, true);
    }
    if (m_data.budgetBytes > 0)
        addVerticalMarkers(m_plot, {megabytes(m_data.budgetBytes)}, markerPen(QColor(90, 90, 90)),
                           tr("budget (%1 MB)").arg(megabytes(m_data.budgetBytes), 0, 'f', 3));
    drawMeasured();

    if (axis.symlog) {
        m_plot->yAxis->setTicker(axis.symlog->ticker());
        m_plot->yAxis->setLabel(tr("Predicted ΔLoss (nats, symlog)"));
        addLegendEntry(m_plot, tr("y: %1").arg(axis.symlog->formula(tr("ΔL"))), QPen(Qt::NoPen));
    } else {
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        m_plot->yAxis->setLabel(tr("Predicted ΔLoss (nats)"));
    }
    m_plot->xAxis2->setVisible(m_data.scale.valid());
    if (keepView) {
        fitLegendColumns(m_plot);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    } else {
        resetView(m_plot);
    }
}

// The measured headline on the right axis, with the 95 % interval as error bars and the FP32
// model's as a line; no right axis until a plan was measured.
void ParetoPlot::drawMeasured()
{
    m_plot->yAxis2->setVisible(!m_data.measured.empty());
    if (m_data.measured.empty())
        return;
    const HeadlineFormat headline(m_data.task);
    m_plot->yAxis2->setLabel(tr("Measured %1").arg(headline.axisLabel()));
    QVector<double> x, y, below, above;
    for (const MeasuredPlanPoint& m : m_data.measured) {
        const Interval ci = headlineInterval(m.result);
        x << megabytes(m.bytes);
        y << headline.axisValue(headlineValue(m.result));
        below << y.back() - headline.axisValue(ci.low);
        above << headline.axisValue(ci.high) - y.back();
    }
    m_measured = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
    m_measured->setName(tr("measured %1, 95 % interval").arg(headline.noun()));
    m_measured->setLineStyle(QCPGraph::lsNone);
    m_measured->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, QPen(seriesColor(2), 1.5), Qt::white, 8));
    m_measured->setData(x, y, true);
    auto* bars = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis2);
    bars->removeFromLegend();
    bars->setSelectable(QCP::stNone); // hovering the point itself says it all
    bars->setPen(QPen(seriesColor(2), 1.2));
    bars->setDataPlottable(m_measured);
    bars->setData(below, above);
    if (m_data.baseline) {
        const QPen pen = markerPen(seriesColor(2), Qt::DotLine);
        const double value = headlineValue(*m_data.baseline);
        addHorizontalLine(m_plot, headline.axisValue(value), pen, m_plot->yAxis2);
        addLegendEntry(m_plot, tr("FP32 %1 (%2)").arg(headline.noun(), headline.text(value)), pen);
    }
}

// All data in view, the budget line and the FP32 headline included, with a margin so that no
// marker sits on a frame.
void ParetoPlot::resetRanges()
{
    m_plot->rescaleAxes(true);
    QCPRange x = m_plot->xAxis->range();
    if (m_data.budgetBytes > 0)
        x.expand(megabytes(m_data.budgetBytes));
    m_plot->xAxis->setRange(x);
    if (m_data.baseline) {
        QCPRange measured = m_plot->yAxis2->range();
        measured.expand(HeadlineFormat(m_data.task).axisValue(headlineValue(*m_data.baseline)));
        m_plot->yAxis2->setRange(measured);
    }
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis, m_plot->yAxis2}) {
        const QCPRange r = axis->range();
        // One point, or several at one value: a little room around it, in the axis's units.
        const double room = r.size() > 0 ? 0.06 * r.size() : r.center() != 0 ? 0.1 * std::abs(r.center()) : 1.0;
        axis->setRange(r.lower - room, r.upper + room);
    }
}

QString ParetoPlot::describe(QCPAbstractPlottable* plottable, int index) const
{
    const auto size = [this](int64_t bytes) {
        QString text = tr("%1 MB").arg(megabytes(bytes), 0, 'f', 3);
        if (m_data.scale.valid())
            text += tr(" · %1 bits / weight").arg(m_data.scale.bitsAt(bytes), 0, 'f', 2);
        return text;
    };
    if (plottable == m_front && m_data.front && size_t(index) < m_data.front->points.size()) {
        const FrontPoint& p = m_data.front->points[size_t(index)];
        return tr("Optimal plan %1 of %2\n%3\npredicted ΔLoss %4 nats (%5)\nClick to apply it, Ctrl+click to compare it "
                  "with the current plan")
            .arg(index + 1)
            .arg(m_data.front->points.size())
            .arg(size(p.bytes), valueText(p.predictedDeltaLoss), m_data.estimator);
    }
    if (plottable == m_current && m_data.current)
        return tr("Current plan\n%1\npredicted ΔLoss %2 nats (%3)")
            .arg(size(m_data.current->bytes), valueText(m_data.current->deltaLoss), m_data.estimator);
    if (plottable == m_measured && size_t(index) < m_data.measured.size()) {
        const MeasuredPlanPoint& m = m_data.measured[size_t(index)];
        return tr("Measured %1 %2\n%3").arg(HeadlineFormat(m_data.task).noun(), headlineWithInterval(m.result), size(m.bytes));
    }
    return {};
}

} // namespace bitlens::views
