#pragma once
// Where a ModelGraph's visible boxes and edges go, laid out by Graphviz's dot, one group at a time
// (Model Explorer's approach to large graphs): an open group's inside is laid out on its own,
// with its open subgroups as boxes of their laid-out size, and cached, so opening a group lays
// out that group and its ancestors only. Coordinates in points, y down, origin top-left.

#include "model_graph.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace bitlens {

struct GraphPoint {
    double x = 0.0;
    double y = 0.0;
};

struct PlacedNode {
    int node = 0;   // index into ModelGraph::nodes
    double x = 0.0; // top-left corner
    double y = 0.0;
    double width = 0.0;
    double height = 0.0;
    bool open = false; // an open group: a frame around its inside
};

struct PlacedEdge {
    int from = 0; // visible nodes; an open group where the edge enters or leaves it
    int to = 0;
    std::vector<GraphPoint> path; // cubic Bézier: start, then 3 points per segment; ends on the boxes' borders
};

struct GraphLayout {
    std::vector<PlacedNode> nodes; // parents before their children
    std::vector<PlacedEdge> edges;
    double width = 0.0;
    double height = 0.0;
    int groupsLaidOut = 0; // Graphviz runs this layout needed (the rest came from the cache)
};

// Which groups are open: one flag per ModelGraph node (the root is always open).
using GraphExpansion = std::vector<char>;
// Only the root open.
GraphExpansion collapsedExpansion(const ModelGraph& graph);
// Every group open.
GraphExpansion expandedExpansion(const ModelGraph& graph);
// Opens groups level by level, first in forward order, while at most `maxVisible` boxes show.
GraphExpansion defaultExpansion(const ModelGraph& graph, int maxVisible = 24);

// The second line of a box: the shape the profiling forward saw, else the module or operator.
std::string boxDetail(const GraphNode& node);
// The title of an open group's frame: "layer1 · BasicBlock".
std::string frameTitle(const GraphNode& node);
// The box of a leaf or a closed group: a line for its label, one for its detail.
struct BoxSize {
    double width = 0.0;
    double height = 0.0;
};
BoxSize boxSize(const GraphNode& node);
// Margins of an open group's frame around its inside.
constexpr double kGroupHeader = 22.0;
constexpr double kGroupMargin = 8.0;

// Ownership: holds a reference to the graph, which must outlive it. Threading: layout() from one
// thread at a time per instance; Graphviz itself is serialised across instances.
class GraphLayouter {
public:
    explicit GraphLayouter(const ModelGraph& graph);
    ~GraphLayouter();
    // Throws Error when this build has no Graphviz or Graphviz fails.
    GraphLayout layout(const GraphExpansion& open);

    struct Inside; // one open group's laid-out inside, relative to its frame

private:
    std::shared_ptr<const Inside> inside(int group, const GraphExpansion& open, int& runs);
    void place(int group, const GraphExpansion& open, double x, double y, GraphLayout& out, int& runs);

    const ModelGraph& m_graph;
    std::map<std::string, std::shared_ptr<const Inside>> m_cache; // by group and the open groups inside it
};

} // namespace bitlens
