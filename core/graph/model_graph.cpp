#include "model_graph.h"

#include <algorithm>

namespace bitlens {

std::vector<int> ModelGraph::layerNodes(int layer) const
{
    std::vector<int> found;
    for (size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].kind == GraphNodeKind::Layer && nodes[i].layer == layer)
            found.push_back(static_cast<int>(i));
    return found;
}

std::vector<int> ModelGraph::layersUnder(int node) const
{
    std::vector<int> layers;
    std::vector<int> stack{node};
    while (!stack.empty()) {
        const GraphNode& n = nodes[static_cast<size_t>(stack.back())];
        stack.pop_back();
        if (n.layer >= 0)
            layers.push_back(n.layer);
        stack.insert(stack.end(), n.children.begin(), n.children.end());
    }
    std::sort(layers.begin(), layers.end());
    layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
    return layers;
}

int ModelGraph::find(const std::string& id) const
{
    for (size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].id == id)
            return static_cast<int>(i);
    return -1;
}

bool ModelGraph::inside(int node, int ancestor) const
{
    for (int n = node; n >= 0; n = nodes[static_cast<size_t>(n)].parent)
        if (n == ancestor)
            return true;
    return false;
}

int ModelGraph::depth(int node) const
{
    int d = 0;
    for (int n = nodes[static_cast<size_t>(node)].parent; n >= 0; n = nodes[static_cast<size_t>(n)].parent)
        ++d;
    return d;
}

} // namespace bitlens
