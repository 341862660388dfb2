#include "layer_graph.h"

#include "model_output.h"

namespace bitlens {
namespace {

using torch::jit::Node;
using torch::jit::Value;

// Which input of a layer op carries the weight, and which the data; -1 for other ops.
struct OpInputs {
    int weight = -1;
    int data = -1;
};

OpInputs layerOpInputs(c10::Symbol kind)
{
    static const c10::Symbol conv1d = c10::Symbol::fromQualString("aten::conv1d");
    static const c10::Symbol conv2d = c10::Symbol::fromQualString("aten::conv2d");
    static const c10::Symbol convolution = c10::Symbol::fromQualString("aten::_convolution");
    static const c10::Symbol linear = c10::Symbol::fromQualString("aten::linear");
    static const c10::Symbol embedding = c10::Symbol::fromQualString("aten::embedding");
    if (kind == conv1d || kind == conv2d || kind == convolution || kind == linear)
        return {1, 0};
    if (kind == embedding)
        return {0, 1};
    return {};
}

// "self.layer2.conv1.weight" as a chain of prim::GetAttr -> "layer2.conv1.weight"; "" when the
// value does not come from an attribute path on self.
std::string attributePath(Value* v, const Value* self)
{
    std::vector<std::string> parts;
    while (v != self) {
        Node* n = v->node();
        if (n->kind() != c10::prim::GetAttr)
            return {};
        parts.push_back(n->s(c10::attr::name));
        v = n->input(0);
    }
    std::string path;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it)
        path += (path.empty() ? "" : ".") + *it;
    return path;
}

// The layer a node computes, or npos. Weight attribute paths end in ".weight".
size_t layerOf(Node* n, const Value* self, const std::unordered_map<std::string, size_t>& layerIndex)
{
    const OpInputs io = layerOpInputs(n->kind());
    if (io.weight < 0 || n->inputs().size() <= static_cast<size_t>(io.weight))
        return std::string::npos;
    const std::string path = attributePath(n->input(static_cast<size_t>(io.weight)), self);
    const std::string suffix = ".weight";
    if (path.size() <= suffix.size() || path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
        return std::string::npos;
    const auto it = layerIndex.find(path.substr(0, path.size() - suffix.size()));
    return it == layerIndex.end() ? std::string::npos : it->second;
}

// Layer call sites anywhere in the block, loops and branches included.
int countCalls(torch::jit::Block* block, const Value* self, const std::unordered_map<std::string, size_t>& layerIndex)
{
    int count = 0;
    for (Node* n : block->nodes()) {
        if (layerOf(n, self, layerIndex) != std::string::npos)
            ++count;
        for (torch::jit::Block* sub : n->blocks())
            count += countCalls(sub, self, layerIndex);
    }
    return count;
}

} // namespace

LayerGraph::LayerGraph(torch::jit::Module& module, const std::unordered_map<std::string, size_t>& layerIndex)
    : m_module(module)
{
    m_graph = module.get_method("forward").graph()->copy();
    torch::jit::Inline(*m_graph);
    const Value* self = m_graph->inputs()[0];
    size_t pos = 0;
    for (Node* n : m_graph->nodes()) {
        if (const size_t layer = layerOf(n, self, layerIndex); layer != std::string::npos) {
            m_calls.push_back({layer, n});
            m_positions.push_back(pos);
        }
        ++pos;
    }
    m_nestedCalls = countCalls(m_graph->block(), self, layerIndex) - static_cast<int>(m_calls.size());

    // The capturing variant returns (output, inputs..., outputs...).
    GraphCopy copy = copyGraph();
    auto& g = copy.graph;
    std::vector<Value*> outs{g->outputs()[0]};
    for (Node* n : copy.callNodes)
        outs.push_back(n->input(dataInput(n)));
    for (Node* n : copy.callNodes)
        outs.push_back(n->output());
    g->setInsertPoint(g->return_node());
    Node* tuple = g->insertNode(g->createTuple(outs));
    g->eraseOutput(0);
    g->registerOutput(tuple->output());
    m_capturing = std::make_unique<torch::jit::GraphFunction>("bitlens_capture", g, nullptr);
}

LayerGraph::GraphCopy LayerGraph::copyGraph() const
{
    GraphCopy copy;
    copy.graph = m_graph->copy(); // copy() keeps node order
    const std::vector<Node*> nodes(copy.graph->nodes().begin(), copy.graph->nodes().end());
    for (size_t p : m_positions)
        copy.callNodes.push_back(nodes[p]);
    return copy;
}

size_t LayerGraph::weightInput(const Node* node)
{
    return static_cast<size_t>(layerOpInputs(node->kind()).weight);
}

size_t LayerGraph::dataInput(const Node* node)
{
    return static_cast<size_t>(layerOpInputs(node->kind()).data);
}

c10::IValue LayerGraph::run(torch::jit::GraphFunction& variant, const torch::Tensor& input,
                            const std::vector<torch::Tensor>& extraInputs)
{
    std::vector<c10::IValue> stack{m_module._ivalue(), input};
    stack.insert(stack.end(), extraInputs.begin(), extraInputs.end());
    return variant(std::move(stack));
}

LayerGraph::Capture LayerGraph::runCapturing(const torch::Tensor& input)
{
    const c10::IValue result = run(*m_capturing, input);
    const auto& items = result.toTupleRef().elements();
    Capture c;
    c.output = logitsOf(items[0]);
    const size_t n = m_calls.size();
    for (size_t i = 0; i < n; ++i) {
        c.inputs.push_back(items[1 + i].toTensor());
        c.outputs.push_back(items[1 + n + i].toTensor());
    }
    return c;
}

} // namespace bitlens
