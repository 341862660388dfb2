#pragma once
// The coloured graph as files: a figure (SVG or PDF, drawn from a layout, with a legend), the
// graph for Graphviz (DOT, open groups as clusters), and the per-layer figures for the tools
// people view models in: Model Explorer's node data JSON and Netron's attachment JSON.

#include "graph_layout.h"
#include "graph_overlay.h"

#include <string>

namespace bitlens {

enum class GraphFileFormat { Svg, Pdf, Dot, ModelExplorerNodeData, NetronMetrics };
// By the name's ending: .svg, .pdf, .dot / .gv, .metrics.json (Netron), other .json (Model
// Explorer). Throws Error naming the file for anything else.
GraphFileFormat graphFileFormat(const std::string& path);
// Whether the format draws the graph (SVG, PDF) and so needs a layout of `open`.
bool drawsGraph(GraphFileFormat format);
// Writes the graph to `path` in its format (through a temporary file): `layout` is read by the
// figures only. Throws Error naming the file.
void writeGraphFile(const std::string& path, const ModelGraph& graph, const GraphExpansion& open,
                    const GraphLayout& layout, const GraphColoring& coloring, const FigureSource& source);

std::string graphSvg(const ModelGraph& graph, const GraphLayout& layout, const GraphColoring& coloring);
std::string graphPdf(const ModelGraph& graph, const GraphLayout& layout, const GraphColoring& coloring);
std::string graphDot(const ModelGraph& graph, const GraphExpansion& open, const GraphColoring& coloring);

// {"<graph>": {"results": {"<node id>": {"value": v, "bgColor": "#…"}}, "gradient": [...]}} for
// every Layer node with a finite value (Model Explorer's ModelNodeData; keys are BitLens's node
// ids, the modules' qualified names). Categorical figures give the category's index as value.
std::string modelExplorerNodeData(const ModelGraph& graph, const GraphColoring& coloring);
// {"signature": "netron:attachment", "metrics": [{"kind": "node", "target": "<layer>", "name":
// "<figure id>", "value": v, "type": "float64"}, ...]}: every figure of `source` with values.
std::string netronMetrics(const ModelGraph& graph, const FigureSource& source);

} // namespace bitlens
