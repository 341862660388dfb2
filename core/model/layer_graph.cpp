#include "layer_graph.h"

#include "model_output.h"

namespace bitlens {
namespace {

using torch::jit::Node;
using torch::jit::Value;

// Which input of a layer op carries the weight, the data and the bias (-1: none), and whether the
// op reads its weight as [in, out] (x @ W: Hugging Face's Conv1D is addmm(bias, x, W)).
struct OpInputs {
    int weight = -1;
    int data = -1;
    int bias = -1;
    bool transposed = false;
};

OpInputs layerOpInputs(c10::Symbol kind)
{
    static const c10::Symbol conv1d = c10::Symbol::fromQualString("aten::conv1d");
    static const c10::Symbol conv2d = c10::Symbol::fromQualString("aten::conv2d");
    static const c10::Symbol convolution = c10::Symbol::fromQualString("aten::_convolution");
    static const c10::Symbol linear = c10::Symbol::fromQualString("aten::linear");
    static const c10::Symbol embedding = c10::Symbol::fromQualString("aten::embedding");
    static const c10::Symbol addmm = c10::Symbol::fromQualString("aten::addmm");
    static const c10::Symbol matmul = c10::Symbol::fromQualString("aten::matmul");
    if (kind == conv1d || kind == conv2d || kind == convolution || kind == linear)
        return {1, 0, 2, false};
    if (kind == embedding)
        return {0, 1, -1, false};
    if (kind == addmm)
        return {2, 1, 0, true};
    if (kind == matmul)
        return {1, 0, -1, true};
    return {};
}

// The layer a node computes, or npos.
size_t layerOf(Node* n, const Value* self, const std::unordered_map<std::string, size_t>& weightIndex)
{
    const auto it = weightIndex.find(weightPathOf(n, self));
    return it == weightIndex.end() ? std::string::npos : it->second;
}

std::string biasPathOf(Node* n, const Value* self)
{
    const OpInputs io = layerOpInputs(n->kind());
    if (io.bias < 0 || n->inputs().size() <= static_cast<size_t>(io.bias))
        return {};
    return attributePath(n->input(static_cast<size_t>(io.bias)), self);
}

void collectLayerWeights(torch::jit::Block* block, const Value* self, const torch::jit::Module& module,
                         std::unordered_map<std::string, LayerWeightUse>& found, std::vector<std::string>& firstUse)
{
    static const c10::Symbol embedding = c10::Symbol::fromQualString("aten::embedding");
    static const c10::Symbol linear = c10::Symbol::fromQualString("aten::linear");
    for (Node* n : block->nodes()) {
        for (torch::jit::Block* sub : n->blocks())
            collectLayerWeights(sub, self, module, found, firstUse);
        const std::string path = weightPathOf(n, self);
        if (path.empty())
            continue;
        const bool transposed = layerOpInputs(n->kind()).transposed;
        if (const auto seen = found.find(path); seen != found.end()) {
            // Read as [out, in] by one op and as [in, out] by another: no one layout to compress.
            if (seen->second.transposed != transposed)
                seen->second.mixedLayouts = true;
            continue;
        }
        const torch::Tensor weight = attributeTensor(module, path);
        if (!weight.defined())
            continue;
        const int64_t dims = weight.dim();
        std::string bias = biasPathOf(n, self);
        if (!bias.empty() && !attributeTensor(module, bias).defined())
            bias.clear(); // bias=None is an attribute too
        LayerWeightUse use{path, bias, LayerKind::Linear, transposed};
        const bool convolution = n->kind() != embedding && n->kind() != linear && !transposed;
        if (n->kind() == embedding)
            use.kind = LayerKind::Embedding;
        else if (convolution && dims == 3)
            use.kind = LayerKind::Conv1d;
        else if (convolution && dims == 4)
            use.kind = LayerKind::Conv2d;
        else if (convolution || dims != 2)
            continue; // 3-D convolutions, batched matmuls: not layers BitLens compresses
        if (convolution) {
            const size_t at = n->kind() == c10::Symbol::fromQualString("aten::_convolution") ? 8 : 6;
            const auto groups = at < n->inputs().size() ? torch::jit::toIValue(n->input(at)) : c10::nullopt;
            use.groups = groups && groups->isInt() ? groups->toInt() : 0;
        }
        found.emplace(path, std::move(use));
        firstUse.push_back(path);
    }
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

std::string weightPathOf(Node* n, const Value* self)
{
    const OpInputs io = layerOpInputs(n->kind());
    if (io.weight < 0 || n->inputs().size() <= static_cast<size_t>(io.weight))
        return {};
    return attributePath(n->input(static_cast<size_t>(io.weight)), self);
}

torch::Tensor attributeTensor(const torch::jit::Module& module, const std::string& path)
{
    torch::jit::Module m = module;
    size_t begin = 0;
    for (size_t dot; (dot = path.find('.', begin)) != std::string::npos; begin = dot + 1)
        m = m.attr(path.substr(begin, dot - begin)).toModule();
    const c10::IValue value = m.attr(path.substr(begin));
    return value.isTensor() ? value.toTensor() : torch::Tensor();
}

std::vector<LayerWeightUse> findLayerWeights(const torch::jit::Module& module)
{
    const std::shared_ptr<torch::jit::Graph> graph = module.get_method("forward").graph()->copy();
    torch::jit::Inline(*graph);
    std::unordered_map<std::string, LayerWeightUse> found;
    std::vector<std::string> firstUse;
    collectLayerWeights(graph->block(), graph->inputs()[0], module, found, firstUse);
    std::vector<LayerWeightUse> ordered;
    for (const auto& p : module.named_parameters(/*recurse=*/true)) {
        if (const auto it = found.find(p.name); it != found.end()) {
            if (!it->second.mixedLayouts)
                ordered.push_back(it->second);
            found.erase(it);
        }
    }
    // A tied weight's second name (GPT-2's lm_head.weight) is not among the named parameters,
    // which list each tensor once: those come last, in the order forward uses them.
    for (const std::string& path : firstUse) {
        if (const auto it = found.find(path); it != found.end() && !it->second.mixedLayouts)
            ordered.push_back(it->second);
    }
    return ordered;
}

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

bool LayerGraph::readsTransposed(const Node* node)
{
    return layerOpInputs(node->kind()).transposed;
}

c10::IValue LayerGraph::run(torch::jit::GraphFunction& variant, const torch::Tensor& input,
                            const std::vector<torch::Tensor>& extraInputs, const torch::jit::Module* self)
{
    std::vector<c10::IValue> stack{(self ? *self : m_module)._ivalue(), input};
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
