#pragma once
// One look for every BitLens figure: the palettes, fonts, axes, title and legend, layer names on
// a key axis, and createFigure, which makes a figure in that style with the figure menu
// (figure_export.h) and the mouse interactions (plot_interaction.h). Decorations drawn over the
// data are in plot_decorations.h, the symmetric-log ΔLoss scale in symlog.h. Threading: GUI
// thread only.

#include "figure_export.h"    // exportFigure, for what createFigure makes
#include "plot_interaction.h" // TooltipFormatter

#include <QColor>
#include <QString>

#include <string>
#include <vector>

class QCustomPlot;
class QCPAxis;
class QCPColorGradient;
class QCPScatterStyle;
class QWidget;

namespace bitlens::views {

// Okabe–Ito colour-blind-safe palette, cycled; yellow comes last as it reads poorly on white.
QColor seriesColor(int index);
// A marker for series that must be told apart without colour too (the estimators, in every plot
// that shows them): circle, square, triangle, diamond, cross, star, cycled; outlined in
// seriesColor(index), filled with `fill`, `size` pixels across.
QCPScatterStyle seriesMarker(int index, const QColor& fill, double size);
// ColorBrewer RdBu, colour-blind safe, for values around zero: blue below, white at, red above;
// grey for NaN.
QCPColorGradient divergingGradient();

// White background, 10 pt sans labels, light grey grid, antialiasing, legend style; range drag and
// wheel zoom on both axes; double-click calls the view reset (rescaleAxes unless setViewReset).
void applyPlotStyle(QCustomPlot* plot);
// The house fonts and grid for an axis made after applyPlotStyle (a colour scale's, a second
// axis rect's).
void styleAxis(QCPAxis* axis);
// A logarithmic axis with decade ticks.
void setLogScale(QCPAxis* axis);

// A styled plot with a title, the figure menu and hover tooltips.
QCustomPlot* createFigure(QWidget* parent, const QString& title, const QString& baseName,
                          TooltipFormatter formatter = {});
void setFigureTitle(QCustomPlot* plot, const QString& title);

// Layer names as tick labels at 0 … n−1, rotated, long ones elided from the left, thinned out to
// what fits the width (tooltips carry the full names).
// A layer name in at most `maxChars` characters: leading modules shortened to their initial and
// number ("layer2.downsample.0" -> "l2.d.0"), then the end kept ("…attn.c_proj").
QString compactLayerName(const QString& name, int maxChars);
void setLayerTicks(QCPAxis* axis, const std::vector<std::string>& names);
// Moves the legend out of the axis rect into a row above it, in as many columns as fit.
void showLegendAbove(QCustomPlot* plot);
// Fits a legend shown above the plot to its entries again (resetView does); else nothing.
void fitLegendColumns(QCustomPlot* plot);

} // namespace bitlens::views
