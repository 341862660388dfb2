#pragma once
// What the mouse does on a BitLens figure: hover tooltips, click picking of a data point, and the
// view reset behind a double-click and the figure menu's "Reset view". Threading: GUI thread only.

#include <QString>

#include <functional>

class QCustomPlot;
class QCPAbstractPlottable;
class QPointF;

namespace bitlens::views {

// How near, in pixels, the mouse must come to a data point to hover or pick it.
constexpr int kPickPixels = 12;

// A plottable's data point under the mouse. dataIndex is the plottable's data index; for a
// QCPColorMap it is valueIndex · keySize + keyIndex. Plottables whose selectable() is
// QCP::stNone are decorations and never hit.
struct PlotHit {
    QCPAbstractPlottable* plottable = nullptr;
    int dataIndex = -1;
};
// The nearest data point within kPickPixels (inside the bar for QCPBars, the cell for QCPColorMap).
PlotHit hitTest(QCustomPlot* plot, const QPointF& pos);
// The layer a 1-D plottable's point stands for when its key is the layer index.
int layerOfKey(QCPAbstractPlottable* plottable, int dataIndex);

// Text for a hovered data point; an empty string shows no tooltip.
using TooltipFormatter = std::function<QString(QCPAbstractPlottable*, int dataIndex)>;
// Shows a QToolTip for hitTest's point as the mouse moves; without a formatter "name: x, y".
// The first of these calls on a plot also makes a double-click reset the view.
void installHoverTooltips(QCustomPlot* plot, TooltipFormatter formatter = {});
// Calls `picked` when the left button is released where it was pressed (a click, not a drag) on
// a data point.
void installClickPicking(QCustomPlot* plot, std::function<void(const PlotHit&)> picked);

// What "Reset view" and a double-click do: set the axis ranges to show all the data.
void setViewReset(QCustomPlot* plot, std::function<void()> reset);
void resetView(QCustomPlot* plot); // the reset (rescaleAxes unless setViewReset), then one queued replot

} // namespace bitlens::views
