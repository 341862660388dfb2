#pragma once
// The model as a graph: the inlined TorchScript forward folded into the module hierarchy. Plain
// data, Qt- and torch-free, so views draw it and the CLI exports it.
//
// Nodes are the leaves (the model's inputs and output, one node per call of a compressible layer,
// one per other operation that computes on the data: norms, activations, residual adds,
// concatenations, attention's matmuls) and the groups (one per module whose forward holds more
// than one leaf). A module whose forward holds exactly one leaf is that leaf (`layer1.0.relu`).
// Shape-only operations (view, permute, dropout, ...) and what is computed from sizes alone
// (masks, position ids) are not nodes: edges pass through them.

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

class Model;
struct SampleSet;

enum class GraphNodeKind { Group, Input, Output, Layer, Operation };

struct GraphNode {
    // Unique: a module path ("layer1.0.conv1", "layer1.0.relu#2" for a module's second call), "" for
    // the root, "scope/op" for operations ("layer1.0/add", "/add" in the root), "/input:x", "/output".
    std::string id;
    std::string label; // what a box shows: "conv1", "add", "BasicBlock 0"
    std::string type;  // the module's class ("Conv2d", "BasicBlock") or the operator ("aten::add")
    GraphNodeKind kind = GraphNodeKind::Operation;
    int parent = -1;            // the group holding it; -1 for the root (node 0)
    std::vector<int> children;  // a group's nodes, in forward order
    int layer = -1;             // a Layer node's index into Model::layers()
    std::vector<int64_t> shape; // the output's shape in the profiling forward (one sample); empty if not run
};

struct GraphEdge {
    int from = 0; // leaves: the producer and the consumer of a tensor
    int to = 0;
};

struct ModelGraph {
    std::vector<GraphNode> nodes; // nodes[0] is the root group
    std::vector<GraphEdge> edges; // data dependencies between leaves, each once
    bool shapesKnown = false;     // a profiling forward filled GraphNode::shape

    bool isGroup(int node) const { return nodes[static_cast<size_t>(node)].kind == GraphNodeKind::Group; }
    // The Layer nodes of a layer: one per call (a tied weight has several).
    std::vector<int> layerNodes(int layer) const;
    // Every layer under a node (itself for a Layer node), each once, ascending.
    std::vector<int> layersUnder(int node) const;
    // The node with this id; -1 when none.
    int find(const std::string& id) const;
    // Whether `node` is `ancestor` or lies inside it.
    bool inside(int node, int ancestor) const;
    int depth(int node) const; // the root's is 0
};

// Builds the graph of a loaded model. With `probe`, one sample runs through the model and every
// leaf records its output's shape. Throws ModelLoadError naming the model when forward rejects the
// probe or its graph cannot be folded.
ModelGraph buildModelGraph(Model& model, const SampleSet* probe);

} // namespace bitlens
