#include "graph_layout.h"

#include "../errors.h"
#include "graph_drawing.h"

#include <algorithm>
#include <set>

#ifdef BITLENS_HAVE_GRAPHVIZ
#include <graphviz/gvc.h>
#include <graphviz/gvplugin.h>

extern "C" {
extern gvplugin_library_t gvplugin_dot_layout_LTX_library;
}
#endif

namespace bitlens {
namespace {
#ifdef BITLENS_HAVE_GRAPHVIZ

// Graphviz keeps global state: one context, one layout at a time, in any thread.
std::mutex& graphvizMutex()
{
    static std::mutex m;
    return m;
}

// dot is linked in, not found through Graphviz's plugin configuration file, so layouts work
// wherever the library is installed, whatever `dot -c` last wrote.
GVC_t* graphvizContext()
{
    static lt_symlist_t builtins[] = {{"gvplugin_dot_layout_LTX_library", &gvplugin_dot_layout_LTX_library},
                                      {nullptr, nullptr}};
    static const std::unique_ptr<GVC_t, int (*)(GVC_t*)> context(gvContextPlugins(builtins, 0), gvFreeContext);
    return context.get();
}

void set(void* object, const char* name, const std::string& value)
{
    agsafeset(object, const_cast<char*>(name), const_cast<char*>(value.c_str()), const_cast<char*>(""));
}

std::string inches(double points)
{
    return plainNumber(points / 72.0, 4); // Graphviz parses in the C locale
}
#endif

// The child of `group` that holds `node`; -1 when `node` is outside `group`.
int childOf(const ModelGraph& g, int node, int group)
{
    for (int n = node; n >= 0; n = g.nodes[static_cast<size_t>(n)].parent)
        if (g.nodes[static_cast<size_t>(n)].parent == group)
            return n;
    return -1;
}

// Characters, not bytes: "×" is two bytes of UTF-8.
size_t characters(const std::string& s)
{
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

} // namespace

struct GraphLayouter::Inside {
    double width = 0.0; // the frame, header and margins included
    double height = 0.0;
    std::vector<PlacedNode> children; // relative to the frame's top-left
    std::vector<PlacedEdge> edges;    // ditto; the group itself where an edge enters or leaves
};

std::string boxDetail(const GraphNode& node)
{
    if (!node.shape.empty() && node.kind != GraphNodeKind::Group) {
        std::string s;
        for (int64_t d : node.shape)
            s += (s.empty() ? "" : "×") + std::to_string(d);
        return s;
    }
    return node.type.substr(node.type.rfind(':') + 1);
}

std::string frameTitle(const GraphNode& node)
{
    return node.label + (node.type.empty() ? "" : " · " + node.type);
}

namespace {

// Where an edge of a level starts or ends: a child, or -1 for outside the group.
using LevelEdges = std::set<std::pair<int, int>>;

#ifdef BITLENS_HAVE_GRAPHVIZ
// One level for dot: a fixed-size box per child, a point where edges enter ("in") or leave ("out").
struct DotLevel {
    Agraph_t* graph = agopen(const_cast<char*>("g"), Agdirected, nullptr);
    GVC_t* context = nullptr; // set once laid out: the layout is freed with the graph
    std::vector<Agnode_t*> boxes;
    std::vector<std::pair<Agedge_t*, std::pair<int, int>>> edges;
    ~DotLevel()
    {
        if (context)
            gvFreeLayout(context, graph);
        agclose(graph);
    }
};

void buildLevel(DotLevel& level, const GraphNode& g, const std::vector<BoxSize>& sizes, const LevelEdges& edges)
{
    set(level.graph, "rankdir", "TB");
    set(level.graph, "nodesep", "0.25");
    set(level.graph, "ranksep", "0.3");
    set(level.graph, "splines", "spline");
    agattr(level.graph, AGEDGE, const_cast<char*>("arrowhead"), const_cast<char*>("none"));
    for (size_t i = 0; i < g.children.size(); ++i) {
        Agnode_t* n = agnode(level.graph, const_cast<char*>(("n" + std::to_string(i)).c_str()), 1);
        set(n, "shape", "box");
        set(n, "fixedsize", "true");
        set(n, "label", "");
        set(n, "width", inches(sizes[i].width));
        set(n, "height", inches(sizes[i].height));
        level.boxes.push_back(n);
    }
    // Ports need no rank=source/sink subgraph: with edges only out (in) dot ranks them first (last),
    // and Graphviz 2.42's mincross crashes on such subgraphs in some graphs with cycles.
    const auto port = [&](const char* name) {
        Agnode_t* n = agnode(level.graph, const_cast<char*>(name), 1);
        set(n, "shape", "point");
        set(n, "width", "0.02");
        set(n, "label", "");
        return n;
    };
    Agnode_t* in = nullptr;
    Agnode_t* out = nullptr;
    const auto box = [&](int child) {
        return level.boxes[static_cast<size_t>(std::find(g.children.begin(), g.children.end(), child) - g.children.begin())];
    };
    for (const auto& [from, to] : edges) {
        Agnode_t* tail = from >= 0 ? box(from) : (in ? in : in = port("in"));
        Agnode_t* head = to >= 0 ? box(to) : (out ? out : out = port("out"));
        level.edges.push_back({agedge(level.graph, tail, head, nullptr, 1), {from, to}});
    }
}
#endif

// A group's inside laid out by dot: its children's boxes and the edges, in the frame's coordinates.
GraphLayouter::Inside layOutLevel(const ModelGraph& graph, int group, const std::vector<BoxSize>& sizes,
                                  const LevelEdges& edges, const GraphExpansion& open)
{
    const GraphNode& g = graph.nodes[static_cast<size_t>(group)];
#ifndef BITLENS_HAVE_GRAPHVIZ
    (void)g, (void)sizes, (void)edges, (void)open;
    throw Error("this build of BitLens has no Graphviz (libgraphviz-dev), so it draws no graph figure; "
                "write .dot and lay it out with Graphviz's dot elsewhere");
#else
    std::lock_guard<std::mutex> lock(graphvizMutex());
    DotLevel level;
    buildLevel(level, g, sizes, edges);
    if (gvLayout(graphvizContext(), level.graph, "dot") != 0)
        throw Error("Graphviz could not lay out the group " + (g.id.empty() ? g.label : g.id));
    level.context = graphvizContext();
    const boxf bb = GD_bb(level.graph);
    const double header = group == 0 ? kGroupMargin : kGroupHeader;
    // Wide enough for the frame's title and the colour swatch beside it.
    const double titleWidth = group == 0 ? 0.0 : 6.8 * static_cast<double>(characters(frameTitle(g))) + 34.0;
    const double extra = std::max(0.0, titleWidth - (bb.UR.x - bb.LL.x + 2 * kGroupMargin));
    const auto toFrame = [&](pointf p) {
        return GraphPoint{kGroupMargin + extra / 2 + p.x - bb.LL.x, header + bb.UR.y - p.y};
    };
    GraphLayouter::Inside result;
    result.width = bb.UR.x - bb.LL.x + 2 * kGroupMargin + extra;
    result.height = bb.UR.y - bb.LL.y + header + kGroupMargin;
    for (size_t i = 0; i < g.children.size(); ++i) {
        const GraphPoint c = toFrame(ND_coord(level.boxes[i]));
        const int child = g.children[i];
        result.children.push_back({child, c.x - sizes[i].width / 2, c.y - sizes[i].height / 2, sizes[i].width,
                                   sizes[i].height, open[static_cast<size_t>(child)] != 0});
    }
    for (const auto& [e, ends] : level.edges) {
        PlacedEdge placed{ends.first >= 0 ? ends.first : group, ends.second >= 0 ? ends.second : group, {}};
        if (const splines* spl = ED_spl(e))
            for (int b = 0; b < spl->size; ++b)
                for (int k = 0; k < spl->list[b].size; ++k)
                    placed.path.push_back(toFrame(spl->list[b].list[k]));
        result.edges.push_back(std::move(placed));
    }
    return result;
#endif
}

} // namespace

BoxSize boxSize(const GraphNode& node)
{
    // Bold 10-point labels average under 6.8 points a character; details are 8-point.
    const double width = std::max(6.8 * static_cast<double>(characters(node.label)),
                                  5.4 * static_cast<double>(characters(boxDetail(node))));
    return {std::max(56.0, width + 16.0), 34.0};
}

GraphExpansion collapsedExpansion(const ModelGraph& graph)
{
    GraphExpansion open(graph.nodes.size(), 0);
    open[0] = 1;
    return open;
}

GraphExpansion expandedExpansion(const ModelGraph& graph)
{
    GraphExpansion open(graph.nodes.size(), 0);
    for (size_t i = 0; i < graph.nodes.size(); ++i)
        open[i] = graph.isGroup(static_cast<int>(i)) ? 1 : 0;
    return open;
}

GraphExpansion defaultExpansion(const ModelGraph& graph, int maxVisible)
{
    GraphExpansion open = collapsedExpansion(graph);
    int visible = static_cast<int>(graph.nodes[0].children.size());
    std::vector<int> level = graph.nodes[0].children;
    while (!level.empty()) {
        std::vector<int> next;
        for (int n : level) {
            const GraphNode& node = graph.nodes[static_cast<size_t>(n)];
            if (node.kind != GraphNodeKind::Group)
                continue;
            const int more = static_cast<int>(node.children.size()) - 1;
            if (visible + more > maxVisible)
                return open;
            open[static_cast<size_t>(n)] = 1;
            visible += more;
            next.insert(next.end(), node.children.begin(), node.children.end());
        }
        level = std::move(next);
    }
    return open;
}

GraphLayouter::GraphLayouter(const ModelGraph& graph) : m_graph(graph) {}
GraphLayouter::~GraphLayouter() = default;

std::shared_ptr<const GraphLayouter::Inside> GraphLayouter::inside(int group, const GraphExpansion& open, int& runs)
{
    std::string key = std::to_string(group) + ":";
    for (size_t i = 0; i < open.size(); ++i)
        if (open[i] && static_cast<int>(i) != group && m_graph.inside(static_cast<int>(i), group))
            key += std::to_string(i) + ",";
    if (const auto it = m_cache.find(key); it != m_cache.end())
        return it->second;

    const GraphNode& g = m_graph.nodes[static_cast<size_t>(group)];
    std::vector<BoxSize> sizes;
    for (int c : g.children) {
        if (open[static_cast<size_t>(c)]) {
            const std::shared_ptr<const Inside> sub = inside(c, open, runs);
            sizes.push_back({sub->width, sub->height});
        } else {
            sizes.push_back(boxSize(m_graph.nodes[static_cast<size_t>(c)]));
        }
    }
    // This level's edges between children, and where edges enter (from = -1) or leave (to = -1).
    LevelEdges edges;
    for (const GraphEdge& e : m_graph.edges) {
        const int from = childOf(m_graph, e.from, group);
        const int to = childOf(m_graph, e.to, group);
        if ((from >= 0 || to >= 0) && from != to)
            edges.insert({from, to});
    }

    auto result = std::make_shared<Inside>(layOutLevel(m_graph, group, sizes, edges, open));
    ++runs;
    m_cache.emplace(key, result);
    return result;
}

void GraphLayouter::place(int group, const GraphExpansion& open, double x, double y, GraphLayout& out, int& runs)
{
    const std::shared_ptr<const Inside> in = inside(group, open, runs);
    for (PlacedNode child : in->children) {
        child.x += x;
        child.y += y;
        out.nodes.push_back(child);
        if (child.open)
            place(child.node, open, child.x, child.y, out, runs);
    }
    for (PlacedEdge edge : in->edges) {
        for (GraphPoint& p : edge.path) {
            p.x += x;
            p.y += y;
        }
        out.edges.push_back(std::move(edge));
    }
}

GraphLayout GraphLayouter::layout(const GraphExpansion& open)
{
    if (open.size() != m_graph.nodes.size())
        throw Error("graph layout: the expansion has " + std::to_string(open.size()) + " flags for "
                    + std::to_string(m_graph.nodes.size()) + " nodes");
    GraphLayout out;
    int runs = 0;
    const std::shared_ptr<const Inside> root = inside(0, open, runs);
    place(0, open, 0.0, 0.0, out, runs);
    out.width = root->width;
    out.height = root->height;
    out.groupsLaidOut = runs;
    return out;
}

} // namespace bitlens
