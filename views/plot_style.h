#pragma once
// One look and one set of interactions for every BitLens figure: the house style, publication
// export (PNG at 300 dpi, PDF, SVG), a context menu, hover tooltips, click picking, a
// double-click view reset, and the decorations (markers, legend-only entries, the selected-layer
// highlight, a symmetric-log scale) the plot views share. Threading: GUI thread only.

#include <QColor>
#include <QPen>
#include <QSharedPointer>
#include <QString>

#include <functional>
#include <string>
#include <vector>

class QCustomPlot;
class QCPAbstractPlottable;
class QCPAxis;
class QCPAxisTicker;
class QCPGraph;
class QCPItemRect;
class QCPItemStraightLine;
class QPointF;
class QWidget;

namespace bitlens::views {

// Okabe–Ito colour-blind-safe palette, cycled; yellow comes last as it reads poorly on white.
QColor seriesColor(int index);

// White background, 10 pt sans labels, light grey grid, antialiasing, legend style; range drag and
// wheel zoom on both axes; double-click calls the view reset (rescaleAxes unless setViewReset).
void applyPlotStyle(QCustomPlot* plot);
// The house fonts and grid for an axis made after applyPlotStyle (a colour scale's, a second
// axis rect's).
void styleAxis(QCPAxis* axis);
// A logarithmic axis with decade ticks.
void setLogScale(QCPAxis* axis);

// Figure export by suffix: .png (1920×1200 px, 300 dpi: a 6.4 × 4.0 inch figure), .pdf (vector),
// .svg (vector). Written to a temporary file and renamed, so a failure never leaves half a file.
// Returns false with one sentence naming the file and the cause in *error.
bool exportFigure(QCustomPlot* plot, const QString& path, QString* error);

// Context menu: Export as PNG (300 dpi)… / SVG… / PDF…, Reset view. Calling it again only changes
// the default file name (`baseName`, without suffix).
void installFigureMenu(QCustomPlot* plot, const QString& baseName);

// A plottable's data point under the mouse. dataIndex is the plottable's data index; for a
// QCPColorMap it is valueIndex · keySize + keyIndex. Plottables whose selectable() is
// QCP::stNone are decorations and never hit.
struct PlotHit {
    QCPAbstractPlottable* plottable = nullptr;
    int dataIndex = -1;
};
// The nearest data point within 12 px (inside the bar for QCPBars, the cell for QCPColorMap).
PlotHit hitTest(QCustomPlot* plot, const QPointF& pos);

// Text for a hovered data point; an empty string shows no tooltip.
using TooltipFormatter = std::function<QString(QCPAbstractPlottable*, int dataIndex)>;
// Shows a QToolTip for hitTest's point as the mouse moves; without a formatter "name: x, y".
void installHoverTooltips(QCustomPlot* plot, TooltipFormatter formatter = {});
// Calls `picked` when the left button is released where it was pressed (a click, not a drag) on
// a data point.
void installClickPicking(QCustomPlot* plot, std::function<void(const PlotHit&)> picked);

// What "Reset view" and a double-click do: set the axis ranges to show all the data.
void setViewReset(QCustomPlot* plot, std::function<void()> reset);
void resetView(QCustomPlot* plot); // the reset, then one queued replot

// A styled plot with a title, the figure menu and hover tooltips.
QCustomPlot* createFigure(QWidget* parent, const QString& title, const QString& baseName,
                          TooltipFormatter formatter = {});
void setFigureTitle(QCustomPlot* plot, const QString& title);

// Layer names as tick labels at 0 … n−1, rotated, long ones elided from the left, thinned out to
// what fits the width (tooltips carry the full names).
void setLayerTicks(QCPAxis* axis, const std::vector<std::string>& names);
// Moves the legend out of the axis rect into a row above it, in as many columns as fit.
void showLegendAbove(QCustomPlot* plot);
// The layer a 1-D plottable's point stands for when its key is the layer index.
int layerOfKey(QCPAbstractPlottable* plottable, int dataIndex);

// Decorations, removed together by clearDecorations. Lines are endless: through two points in plot
// coordinates, or vertical / horizontal at a coordinate of the first axes (or of `valueAxis`). A
// legend entry is an empty graph that only shows `name` and `pen`.
QPen markerPen(const QColor& color, Qt::PenStyle style = Qt::DashLine, double width = 1.2);
QCPItemStraightLine* addStraightLine(QCustomPlot* plot, const QPointF& a, const QPointF& b, const QPen& pen);
// Vertical lines at the finite `xs`, and `legend` (when not empty) in the legend.
void addVerticalMarkers(QCustomPlot* plot, const std::vector<double>& xs, const QPen& pen, const QString& legend = {});
QCPItemStraightLine* addHorizontalLine(QCustomPlot* plot, double y, const QPen& pen, QCPAxis* valueAxis = nullptr);
QCPGraph* addLegendEntry(QCustomPlot* plot, const QString& name, const QPen& pen);
void clearDecorations(QCustomPlot* plot);

// The selected layer's highlight on a layer-index key axis: a translucent band under line plots,
// or an outline over a heatmap column. place(-1) hides it.
QCPItemRect* addLayerHighlight(QCustomPlot* plot, bool outline);
void placeLayerHighlight(QCPItemRect* highlight, int layer);

// Symmetric log: t = sign(x)·log10(1 + |x|/scale), linear near zero and logarithmic beyond
// `scale`, so negative ΔLoss (LLC's lossless neighbourhood) has a place on a log-like axis.
struct SymLog {
    double scale = 1.0;
    double toAxis(double x) const;
    // scale = the power of ten at or below the 10th percentile of the non-zero finite |values|.
    static SymLog fitting(const std::vector<double>& values);
    // Ticks at 0 and ±scale·10^k, k ≥ 1, labelled with the untransformed values.
    QSharedPointer<QCPAxisTicker> ticker() const;
    QString formula(const QString& symbol) const; // "sign(ΔL)·log10(1 + |ΔL| / 10⁻⁴)"
};

// A finite value as text with `digits` significant digits; "not defined" for NaN and infinities.
QString valueText(double value, int digits = 4);

} // namespace bitlens::views
