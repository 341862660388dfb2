#pragma once
// One drawing of a laid-out, coloured graph for every output: the SVG and PDF files (core), the
// graph dock's scene and its PNG export (views). A backend implements the few primitives; the
// drawing decides boxes, fills, labels and arrows once.

#include "graph_layout.h"
#include "graph_overlay.h"

#include <string>
#include <vector>

namespace bitlens {

enum class Anchor { Start, Middle, End };

// Coordinates in points, y down.
class GraphCanvas {
public:
    virtual ~GraphCanvas() = default;
    // `fill` null: not filled; `width` 0: not stroked.
    virtual void rect(double x, double y, double w, double h, const Rgb* fill, Rgb stroke, double width) = 0;
    virtual void curve(const std::vector<GraphPoint>& bezier, Rgb stroke) = 0; // start, then 3 points a segment
    virtual void triangle(GraphPoint a, GraphPoint b, GraphPoint c, Rgb fill) = 0;
    // `y` is the baseline.
    virtual void text(double x, double y, const std::string& text, double size, bool bold, Rgb color, Anchor anchor) = 0;
    // What is drawn between these belongs to one node (an interactive backend groups it).
    virtual void beginNode(int /*node*/) {}
    virtual void endNode() {}
};

// The figure's name, the aggregate groups show and the colour scale, in a band this high.
constexpr double kGraphLegendHeight = 44.0;
constexpr double kGraphMinWidth = 400.0; // a figure's narrowest: the legend fits
constexpr Rgb kOperationFill{241, 243, 244}; // boxes without a figure: operations, inputs, output

// `value` with `decimals` digits after the point, or (decimals < 0) in %g style with -decimals
// significant digits: always with a '.', whatever the process's locale (files must parse anywhere).
std::string plainNumber(double value, int decimals);
void drawGraphLegend(GraphCanvas& canvas, const GraphColoring& coloring, double width);
// The boxes and edges, `top` points down.
void drawGraphBody(GraphCanvas& canvas, const ModelGraph& graph, const GraphLayout& layout, const GraphColoring& coloring,
                   double top);

} // namespace bitlens
