#pragma once
// What BitLens figures draw over their data: marker lines, legend-only entries, and the selected
// layer's highlight. Threading: GUI thread only.

#include <QColor>
#include <QPen>
#include <QString>

#include <vector>

class QCustomPlot;
class QCPAxis;
class QCPGraph;
class QCPItemRect;
class QCPItemStraightLine;
class QPointF;

namespace bitlens::views {

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

} // namespace bitlens::views
