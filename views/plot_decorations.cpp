#include "plot_decorations.h"

#include <qcustomplot.h>

#include <cmath>

namespace bitlens::views {
namespace {

constexpr const char* kDecoration = "bitlensDecoration";

} // namespace

QPen markerPen(const QColor& color, Qt::PenStyle style, double width)
{
    return QPen(color, width, style);
}

QCPItemStraightLine* addStraightLine(QCustomPlot* plot, const QPointF& a, const QPointF& b, const QPen& pen)
{
    auto* line = new QCPItemStraightLine(plot);
    line->setProperty(kDecoration, true);
    line->setSelectable(false);
    line->setPen(pen);
    line->point1->setCoords(a);
    line->point2->setCoords(b);
    return line;
}

// QCPItemPosition::setTypeX/Y keep the pixel position, converting the coordinates through the
// plot's current layout, which a figure never shown yet (exported straight away, as a report's)
// does not have: the coordinates are set again once the types are.
void addVerticalMarkers(QCustomPlot* plot, const std::vector<double>& xs, const QPen& pen, const QString& legend)
{
    for (double x : xs)
        if (std::isfinite(x)) {
            QCPItemStraightLine* line = addStraightLine(plot, QPointF(x, 0.0), QPointF(x, 1.0), pen);
            line->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
            line->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
            line->point1->setCoords(x, 0.0);
            line->point2->setCoords(x, 1.0);
        }
    if (!legend.isEmpty())
        addLegendEntry(plot, legend, pen);
}

QCPItemStraightLine* addHorizontalLine(QCustomPlot* plot, double y, const QPen& pen, QCPAxis* valueAxis)
{
    QCPItemStraightLine* line = addStraightLine(plot, QPointF(0.0, y), QPointF(1.0, y), pen);
    for (QCPItemPosition* point : {line->point1, line->point2}) {
        point->setAxes(plot->xAxis, valueAxis ? valueAxis : plot->yAxis);
        point->setTypeX(QCPItemPosition::ptAxisRectRatio);
    }
    line->point1->setCoords(0.0, y);
    line->point2->setCoords(1.0, y);
    return line;
}

QCPGraph* addLegendEntry(QCustomPlot* plot, const QString& name, const QPen& pen)
{
    QCPGraph* entry = plot->addGraph();
    entry->setProperty(kDecoration, true);
    entry->setSelectable(QCP::stNone);
    entry->setName(name);
    entry->setPen(pen);
    return entry;
}

void clearDecorations(QCustomPlot* plot)
{
    for (int i = plot->itemCount() - 1; i >= 0; --i)
        if (plot->item(i)->property(kDecoration).toBool())
            plot->removeItem(i);
    for (int i = plot->plottableCount() - 1; i >= 0; --i)
        if (plot->plottable(i)->property(kDecoration).toBool())
            plot->removePlottable(i);
}

QCPItemRect* addLayerHighlight(QCustomPlot* plot, bool outline)
{
    auto* rect = new QCPItemRect(plot);
    rect->setSelectable(false);
    if (outline) {
        rect->setPen(QPen(Qt::black, 2.0));
        rect->setBrush(Qt::NoBrush);
    } else {
        rect->setPen(Qt::NoPen);
        rect->setBrush(QColor(0, 114, 178, 40));
        rect->setLayer(QStringLiteral("grid")); // over the grid lines, under the data
    }
    rect->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
    rect->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
    rect->setVisible(false);
    return rect;
}

void placeLayerHighlight(QCPItemRect* highlight, int layer)
{
    highlight->setVisible(layer >= 0);
    highlight->topLeft->setCoords(layer - 0.5, 0.0);
    highlight->bottomRight->setCoords(layer + 0.5, 1.0);
}

} // namespace bitlens::views
