// graphDot, the node-data files for Model Explorer and Netron, and which one a file name asks for.

#include "graph_export.h"

#include "../errors.h"
#include "../io/atomic_file.h"
#include "graph_drawing.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

namespace bitlens {
namespace {

bool endsWith(const std::string& s, const std::string& tail)
{
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string dotEscaped(const std::string& s)
{
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

std::string dotQuoted(const std::string& s)
{
    return '"' + dotEscaped(s) + '"';
}

void writeDotNode(std::ostringstream& out, const ModelGraph& graph, const GraphExpansion& open,
                  const GraphColoring& coloring, int n, const std::string& indent)
{
    const GraphNode& node = graph.nodes[static_cast<size_t>(n)];
    if (n != 0 && !open[static_cast<size_t>(n)]) {
        const bool hasFigure = node.kind == GraphNodeKind::Layer || node.kind == GraphNodeKind::Group;
        out << indent << 'n' << n << " [label=\"" << dotEscaped(node.label) << "\\n" << dotEscaped(boxDetail(node))
            << "\" fillcolor=\"" << (hasFigure ? coloring.nodeColors[static_cast<size_t>(n)] : kOperationFill).hex() << '"'
            << (node.kind == GraphNodeKind::Group ? " penwidth=2" : "") << "];\n";
        return;
    }
    const bool cluster = n != 0;
    if (cluster)
        out << indent << "subgraph cluster_" << n << " {\n"
            << indent << "  label=" << dotQuoted(frameTitle(node)) << ";\n";
    for (int c : node.children)
        writeDotNode(out, graph, open, coloring, c, indent + "  ");
    if (cluster)
        out << indent << "}\n";
}

// The visible node standing for `node`: itself, or its outermost closed ancestor.
int visibleNode(const ModelGraph& graph, const GraphExpansion& open, int node)
{
    int shown = node;
    for (int n = graph.nodes[static_cast<size_t>(node)].parent; n > 0; n = graph.nodes[static_cast<size_t>(n)].parent)
        if (!open[static_cast<size_t>(n)])
            shown = n;
    return shown;
}

} // namespace

GraphFileFormat graphFileFormat(const std::string& path)
{
    std::string name = std::filesystem::path(path).filename().string();
    for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (endsWith(name, ".svg"))
        return GraphFileFormat::Svg;
    if (endsWith(name, ".pdf"))
        return GraphFileFormat::Pdf;
    if (endsWith(name, ".dot") || endsWith(name, ".gv"))
        return GraphFileFormat::Dot;
    if (endsWith(name, ".metrics.json"))
        return GraphFileFormat::NetronMetrics;
    if (endsWith(name, ".json"))
        return GraphFileFormat::ModelExplorerNodeData;
    throw Error(path + ": unknown graph file type (.svg, .pdf, .dot, .json for Model Explorer's node data, "
                       ".metrics.json for Netron)");
}

bool drawsGraph(GraphFileFormat format)
{
    return format == GraphFileFormat::Svg || format == GraphFileFormat::Pdf;
}

void writeGraphFile(const std::string& path, const ModelGraph& graph, const GraphExpansion& open,
                    const GraphLayout& layout, const GraphColoring& coloring, const FigureSource& source)
{
    std::string bytes;
    switch (graphFileFormat(path)) {
    case GraphFileFormat::Svg: bytes = graphSvg(graph, layout, coloring); break;
    case GraphFileFormat::Pdf: bytes = graphPdf(graph, layout, coloring); break;
    case GraphFileFormat::Dot: bytes = graphDot(graph, open, coloring); break;
    case GraphFileFormat::ModelExplorerNodeData: bytes = modelExplorerNodeData(graph, coloring); break;
    case GraphFileFormat::NetronMetrics: bytes = netronMetrics(graph, source); break;
    }
    replaceWholeFile(path, bytes);
}

std::string graphDot(const ModelGraph& graph, const GraphExpansion& open, const GraphColoring& coloring)
{
    std::ostringstream out;
    out << "digraph " << dotQuoted(graph.nodes[0].label) << " {\n"
        << "  node [shape=box style=\"rounded,filled\" fontname=\"Helvetica\" fontsize=10];\n"
        << "  graph [fontname=\"Helvetica\" fontsize=10];\n";
    writeDotNode(out, graph, open, coloring, 0, "");
    std::set<std::pair<int, int>> edges;
    for (const GraphEdge& e : graph.edges) {
        const int from = visibleNode(graph, open, e.from);
        const int to = visibleNode(graph, open, e.to);
        if (from != to && edges.insert({from, to}).second)
            out << "  n" << from << " -> n" << to << ";\n";
    }
    out << "}\n";
    return out.str();
}

std::string modelExplorerNodeData(const ModelGraph& graph, const GraphColoring& coloring)
{
    nlohmann::json results = nlohmann::json::object();
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
        const GraphNode& node = graph.nodes[n];
        if (node.kind != GraphNodeKind::Layer || !std::isfinite(coloring.nodeValues[n]))
            continue;
        results[node.id] = {{"value", coloring.nodeValues[n]}, {"bgColor", coloring.nodeColors[n].hex()}};
    }
    nlohmann::json data = {{"results", results}};
    if (coloring.scale.kind != ColorScaleKind::Categorical) {
        nlohmann::json gradient = nlohmann::json::array();
        for (double stop : {0.0, 0.25, 0.5, 0.75, 1.0}) {
            gradient.push_back({{"stop", stop}, {"bgColor", coloring.scale.color(coloring.scale.valueAt(stop)).hex()}});
        }
        data["gradient"] = gradient;
    }
    return nlohmann::json{{graph.nodes[0].label, data}}.dump(2) + "\n";
}

std::string netronMetrics(const ModelGraph& graph, const FigureSource& source)
{
    nlohmann::json metrics = nlohmann::json::array();
    for (const LayerFigureInfo& info : layerFigures()) {
        if (info.scale == ColorScaleKind::Categorical)
            continue;
        const std::vector<double> values = layerFigureValues(info.figure, source);
        for (size_t n = 0; n < graph.nodes.size(); ++n) {
            const GraphNode& node = graph.nodes[n];
            if (node.kind != GraphNodeKind::Layer || !std::isfinite(values[static_cast<size_t>(node.layer)]))
                continue;
            metrics.push_back({{"kind", "node"}, {"target", node.id}, {"name", info.id},
                               {"value", values[static_cast<size_t>(node.layer)]}, {"type", "float64"}});
        }
    }
    return nlohmann::json{{"signature", "netron:attachment"}, {"metrics", metrics}}.dump(2) + "\n";
}

} // namespace bitlens
