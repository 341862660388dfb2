#include "plot_interaction.h"

#include "format.h"
#include "plot_style.h"

#include <qcustomplot.h>

#include <QToolTip>

#include <cmath>

namespace bitlens::views {
namespace {

QString defaultTooltip(QCPAbstractPlottable* plottable, int index)
{
    if (auto* map = qobject_cast<QCPColorMap*>(plottable)) {
        const int keys = map->data()->keySize();
        double key = 0.0, value = 0.0;
        map->data()->cellToCoord(index % keys, index / keys, &key, &value);
        return QStringLiteral("%1: %2, %3 → %4")
            .arg(plottable->name(), valueText(key), valueText(value), valueText(map->data()->cell(index % keys, index / keys)));
    }
    QCPPlottableInterface1D* data = plottable->interface1D();
    return QStringLiteral("%1: %2, %3")
        .arg(plottable->name(), valueText(data->dataMainKey(index)), valueText(data->dataMainValue(index)));
}

// What the interaction helpers need to remember per plot; a child of the plot, so it lives and
// dies with it, and made once so that every signal is connected once.
class InteractionState final : public QObject {
    Q_OBJECT
public:
    explicit InteractionState(QCustomPlot* plot) : QObject(plot), m_plot(plot)
    {
        connect(plot, &QCustomPlot::mouseDoubleClick, this, [plot] { resetView(plot); });
        connect(plot, &QCustomPlot::mouseMove, this, &InteractionState::hover);
        connect(plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) { m_pressedAt = e->position(); });
        connect(plot, &QCustomPlot::mouseRelease, this, &InteractionState::release);
    }

    std::function<void()> reset;
    TooltipFormatter formatter;
    std::function<void(const PlotHit&)> picked;

private:
    void hover(QMouseEvent* event)
    {
        if (event->buttons() != Qt::NoButton) {
            QToolTip::hideText();
            return;
        }
        const PlotHit hit = hitTest(m_plot, event->position());
        const QString text = !hit.plottable ? QString()
                             : formatter  ? formatter(hit.plottable, hit.dataIndex)
                                          : defaultTooltip(hit.plottable, hit.dataIndex);
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
    }

    void release(QMouseEvent* event)
    {
        if (!picked || event->button() != Qt::LeftButton || (event->position() - m_pressedAt).manhattanLength() > 3)
            return;
        const PlotHit hit = hitTest(m_plot, event->position());
        if (hit.plottable)
            picked(hit);
    }

    QCustomPlot* m_plot;
    QPointF m_pressedAt;
};

InteractionState* stateOf(QCustomPlot* plot)
{
    auto* state = plot->findChild<InteractionState*>(QString(), Qt::FindDirectChildrenOnly);
    return state ? state : new InteractionState(plot);
}

} // namespace

PlotHit hitTest(QCustomPlot* plot, const QPointF& pos)
{
    PlotHit best;
    double bestDistance = kPickPixels;
    const auto offer = [&](QCPAbstractPlottable* plottable, int index, double distance) {
        if (distance >= 0 && distance < bestDistance) {
            bestDistance = distance;
            best = {plottable, index};
        }
    };
    for (int i = 0; i < plot->plottableCount(); ++i) {
        QCPAbstractPlottable* plottable = plot->plottable(i);
        if (!plottable->visible() || plottable->selectable() == QCP::stNone || !plottable->keyAxis())
            continue;
        if (auto* map = qobject_cast<QCPColorMap*>(plottable)) {
            // selectTest of a colour map does not say which cell, so find it from the coordinates.
            if (!map->keyAxis()->axisRect()->rect().contains(pos.toPoint()))
                continue;
            double key = 0.0, value = 0.0;
            map->pixelsToCoords(pos, key, value);
            int k = -1, v = -1;
            map->data()->coordToCell(key, value, &k, &v);
            if (k >= 0 && k < map->data()->keySize() && v >= 0 && v < map->data()->valueSize())
                offer(map, v * map->data()->keySize() + k, 0.99 * kPickPixels);
        } else if (qobject_cast<QCPBars*>(plottable)) {
            QVariant details;
            const double distance = plottable->selectTest(pos, false, &details);
            const QCPDataSelection selection = details.value<QCPDataSelection>();
            if (!selection.isEmpty())
                offer(plottable, selection.dataRange().begin(), distance);
        } else if (QCPPlottableInterface1D* data = plottable->interface1D()) {
            for (int j = 0; j < data->dataCount(); ++j)
                offer(plottable, j, QLineF(data->dataPixelPosition(j), pos).length());
        }
    }
    return best;
}

int layerOfKey(QCPAbstractPlottable* plottable, int dataIndex)
{
    QCPPlottableInterface1D* data = plottable->interface1D();
    return data ? int(std::lround(data->dataMainKey(dataIndex))) : -1;
}

void installHoverTooltips(QCustomPlot* plot, TooltipFormatter formatter)
{
    stateOf(plot)->formatter = std::move(formatter);
    plot->setMouseTracking(true); // moves without a button held
}

void installClickPicking(QCustomPlot* plot, std::function<void(const PlotHit&)> picked)
{
    stateOf(plot)->picked = std::move(picked);
}

void setViewReset(QCustomPlot* plot, std::function<void()> reset)
{
    stateOf(plot)->reset = std::move(reset);
}

void resetView(QCustomPlot* plot)
{
    const InteractionState* state = stateOf(plot);
    if (state->reset)
        state->reset();
    else
        plot->rescaleAxes(true);
    fitLegendColumns(plot); // legend entries change with what is drawn
    plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace bitlens::views

#include "plot_interaction.moc"
