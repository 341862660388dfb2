// buildModelGraph: inline forward while remembering which module each node came from, find the
// leaves and the data dependencies between them, then fold the leaves into the module tree.

#include "model_graph.h"

#include "../data/batch_tensor.h"
#include "../errors.h"
#include "../model/model_impl.h"
#include "../torch_error.h"

#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_set>

namespace bitlens {
namespace {

using torch::jit::Block;
using torch::jit::Node;
using torch::jit::Value;
using ScopeMap = std::unordered_map<const Node*, std::string>;

void assignScope(Node* n, const std::string& scope, ScopeMap& scopes)
{
    scopes[n] = scope;
    for (Block* b : n->blocks())
        for (Node* m : b->nodes())
            assignScope(m, scope, scopes);
}

// torch::jit::Inline forgets the module path of what it inlines (its call stacks keep only the last
// attribute name: "0", not "transformer.h.0"). Inlining module calls one by one, outermost first,
// lets each call's module be read off its GetAttr chain from the root's self, already inlined
// above it. Function calls (a scripted model's F.relu) stay one node each: inlined, they would
// show the function's branches (inplace or not) instead of what it computes.
// The module path without call numbers: "layer1.0.relu#2" -> "layer1.0.relu".
std::string modulePathOf(const std::string& scope)
{
    std::string path;
    for (size_t i = 0; i < scope.size(); ++i) {
        if (scope[i] == '#')
            while (i + 1 < scope.size() && std::isdigit(static_cast<unsigned char>(scope[i + 1])))
                ++i;
        else
            path += scope[i];
    }
    return path;
}

// The scope of a call of the module at `path` from inside `caller`: the caller's own call (with its
// number) and the path below it. A module called again (torchvision's one ReLU a block uses three
// times) is a scope per call, "layer1.0.relu#2", so each call is a node of its own.
std::string callScope(const std::string& caller, const std::string& path, std::unordered_map<std::string, int>& calls)
{
    const std::string callerPath = modulePathOf(caller);
    if (path == callerPath) // a module's own helper method (Conv2d's _conv_forward)
        return caller;
    std::string scope = path;
    if (!caller.empty() && path.size() > callerPath.size() && path.compare(0, callerPath.size() + 1, callerPath + ".") == 0)
        scope = caller + path.substr(callerPath.size());
    const int call = ++calls[scope];
    return call == 1 ? scope : scope + "#" + std::to_string(call);
}

// A function call that is handed a layer's weight (F.embedding in a scripted nn.Embedding) is
// inlined to show the layer; other function calls stay one node.
bool readsLayerWeight(Node* call, const Value* self, const std::unordered_map<std::string, size_t>& weightIndex)
{
    for (Value* v : call->inputs())
        if (weightIndex.count(attributePath(v, self)))
            return true;
    return false;
}

void inlineWithScopes(Block* block, const Value* self, const std::unordered_map<std::string, size_t>& weightIndex,
                      ScopeMap& scopes, std::unordered_map<std::string, int>& calls)
{
    for (Node* n = block->nodes().front(); n != block->return_node();) {
        const bool method = n->kind() == c10::prim::CallMethod;
        if (!method && !(n->kind() == c10::prim::CallFunction && readsLayerWeight(n, self, weightIndex))) {
            for (Block* b : n->blocks())
                inlineWithScopes(b, self, weightIndex, scopes, calls);
            n = n->next();
            continue;
        }
        std::string scope = scopes[n];
        torch::jit::Function* callee = nullptr;
        if (method) {
            callee = &n->input(0)->type()->expect<c10::ClassType>()->getMethod(n->s(c10::attr::name));
            if (const std::string path = attributePath(n->input(0), self); !path.empty())
                scope = callScope(scope, path, calls);
        } else {
            callee = n->input(0)->type()->expect<c10::FunctionType>()->function();
        }
        torch::jit::GraphFunction* body = torch::jit::tryToGraphFunction(*callee);
        if (!body) { // a builtin: it stays one node
            n = n->next();
            continue;
        }
        if (!method)
            n->removeInput(0); // the function constant
        Node* before = n->prev();
        Node* after = n->next();
        torch::jit::inlineCallTo(n, body, /*inline_optimized_graph=*/false); // that one has lost its calls
        for (Node* m = before->next(); m != after; m = m->next())
            assignScope(m, scope, scopes);
        n = before->next();
    }
}

// Operators that only move, reshape, cast or select data: edges pass through them.
bool reshapesOnly(c10::Symbol kind)
{
    static const std::unordered_set<std::string> names{
        "view", "reshape", "_reshape_alias", "flatten", "unflatten", "permute", "transpose", "t", "contiguous", "to",
        "type_as", "dropout", "feature_dropout", "alpha_dropout", "detach", "clone", "unsqueeze", "squeeze", "expand",
        "expand_as", "slice", "select", "split", "split_with_sizes", "chunk", "unbind", "narrow", "view_as",
        "reshape_as", "_unsafe_view", "alias", "numpy_T", "mT", "repeat", "repeat_interleave", "float", "half",
        "bfloat16", "movedim", "swapaxes", "tensor_split", "lift_fresh"};
    return names.count(kind.toUnqualString()) > 0;
}

// Tensors of the data's shape but not its values (zeros_like, ...) carry no dependency.
bool ignoresValues(c10::Symbol kind)
{
    const std::string name = kind.toUnqualString();
    return name.size() > 5 && name.compare(name.size() - 5, 5, "_like") == 0;
}

// "relu" for a call of torch.nn.functional.relu.
std::string functionName(const Node* n)
{
    const auto type = n->input(0)->type()->cast<c10::FunctionType>();
    return type ? type->function()->name() : "call";
}

bool carriesTensor(const c10::TypePtr& type)
{
    if (type->kind() == c10::TypeKind::TensorType)
        return true;
    for (const c10::TypePtr& t : type->containedTypes())
        if (carriesTensor(t))
            return true;
    return false;
}

std::string lastComponent(const std::string& path)
{
    const size_t dot = path.rfind('.');
    return dot == std::string::npos ? path : path.substr(dot + 1);
}

std::string parentPath(const std::string& path)
{
    const size_t dot = path.rfind('.');
    return dot == std::string::npos ? std::string() : path.substr(0, dot);
}

std::string moduleClass(const torch::jit::Module& root, const std::string& scope)
{
    const std::string path = modulePathOf(scope);
    try {
        torch::jit::Module m = root;
        size_t begin = 0;
        if (!path.empty())
            for (size_t dot = 0; dot != std::string::npos; begin = dot + 1) {
                dot = path.find('.', begin);
                m = m.attr(path.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin)).toModule();
            }
        const auto name = m.type()->name();
        return name ? name->name() : std::string();
    } catch (const std::exception&) {
        return {}; // a path that is not a submodule (a method of self called from self)
    }
}

struct Leaf {
    GraphNode node;
    std::string scope;
    Value* output = nullptr; // captured for its shape
};

// The module tree, built from the leaves' scopes; groups and leaves in forward order.
struct Tree {
    struct Group {
        std::string path;
        std::vector<std::pair<bool, int>> children; // (is a group, index)
    };
    std::vector<Group> groups{Group{}};
    std::unordered_map<std::string, int> index{{"", 0}};

    int groupFor(const std::string& path)
    {
        if (const auto it = index.find(path); it != index.end())
            return it->second;
        const int parent = groupFor(parentPath(path));
        const int g = static_cast<int>(groups.size());
        groups.push_back({path, {}});
        index.emplace(path, g);
        groups[static_cast<size_t>(parent)].children.push_back({true, g});
        return g;
    }
};

class Builder {
public:
    Builder(Model::Impl& model) : m_model(model), m_weightIndex(model.weightIndex()) {}

    ModelGraph build(const SampleSet* probe);

private:
    const std::vector<int>& sourcesOf(const Value* v) const
    {
        static const std::vector<int> none;
        const auto it = m_sources.find(v);
        return it == m_sources.end() ? none : it->second;
    }
    void visit(Block* block);
    int addLeaf(GraphNodeKind kind, const std::string& label, const std::string& type, const std::string& scope, int layer);
    void connect(const std::vector<int>& from, int to);
    int emit(int group, int parent, ModelGraph& g);
    void captureShapes(const SampleSet& probe, ModelGraph& g);

    Model::Impl& m_model;
    std::unordered_map<std::string, size_t> m_weightIndex;
    std::shared_ptr<torch::jit::Graph> m_graph;
    const Value* m_self = nullptr;
    ScopeMap m_scopes;
    std::unordered_map<const Value*, std::vector<int>> m_sources; // the leaves a value depends on
    std::vector<Leaf> m_leaves;
    std::set<std::pair<int, int>> m_edges;
    std::vector<int> m_finalIndex; // leaf -> node index in the graph
    Tree m_tree;
    std::map<std::string, int> m_opCount; // per scope and operator, for unique ids
};

int Builder::addLeaf(GraphNodeKind kind, const std::string& label, const std::string& type, const std::string& scope,
                     int layer)
{
    Leaf leaf;
    leaf.node.kind = kind;
    leaf.node.label = label;
    leaf.node.type = type;
    leaf.node.layer = layer;
    leaf.scope = scope;
    // Module paths have no '/': "scope/op" (the root's ops "/op") never names a module.
    const std::string base = scope + "/" + label;
    const int k = m_opCount[base]++;
    leaf.node.id = k == 0 ? base : base + "_" + std::to_string(k);
    const int index = static_cast<int>(m_leaves.size());
    m_leaves.push_back(std::move(leaf));
    m_tree.groups[static_cast<size_t>(m_tree.groupFor(scope))].children.push_back({false, index});
    return index;
}

void Builder::connect(const std::vector<int>& from, int to)
{
    for (int f : from)
        if (f != to)
            m_edges.insert({f, to});
}

void Builder::visit(Block* block)
{
    for (Node* n : block->nodes()) {
        std::vector<int> in;
        for (const Value* v : n->inputs())
            for (int s : sourcesOf(v))
                if (std::find(in.begin(), in.end(), s) == in.end())
                    in.push_back(s);
        if (!n->blocks().empty()) { // if / loop: its outputs depend on all it reads and returns
            for (Block* sub : n->blocks()) {
                for (const Value* p : sub->inputs())
                    m_sources[p] = in;
                visit(sub);
                for (const Value* r : sub->outputs())
                    for (int s : sourcesOf(r))
                        if (std::find(in.begin(), in.end(), s) == in.end())
                            in.push_back(s);
            }
        } else if (const auto layer = m_weightIndex.find(weightPathOf(n, m_self)); layer != m_weightIndex.end()) {
            const std::string& name = m_model.layers[layer->second].name;
            const int leaf = addLeaf(GraphNodeKind::Layer, lastComponent(name), n->kind().toQualString(), m_scopes[n],
                                     static_cast<int>(layer->second));
            m_leaves[static_cast<size_t>(leaf)].output = n->output(0);
            connect(in, leaf);
            m_sources[n->output(0)] = {leaf};
            continue;
        } else if ((n->kind().is_aten() || n->kind() == c10::prim::CallFunction) && !in.empty()
                   && !reshapesOnly(n->kind()) && !ignoresValues(n->kind()) && n->outputs().size() == 1
                   && n->output(0)->type()->kind() == c10::TypeKind::TensorType) {
            std::string label = n->kind() == c10::prim::CallFunction ? functionName(n) : n->kind().toUnqualString();
            if (label.size() > 1 && label.back() == '_') // in-place add_ is an add
                label.pop_back();
            const std::string type = n->kind() == c10::prim::CallFunction ? "function" : n->kind().toQualString();
            const int leaf = addLeaf(GraphNodeKind::Operation, label, type, m_scopes[n], -1);
            m_leaves[static_cast<size_t>(leaf)].output = n->output(0);
            connect(in, leaf);
            m_sources[n->output(0)] = {leaf};
            continue;
        }
        if (ignoresValues(n->kind()))
            continue;
        for (const Value* o : n->outputs())
            if (carriesTensor(o->type()))
                m_sources[o] = in;
    }
}

// A module holding one leaf is that leaf, named by the module; others become groups.
int Builder::emit(int group, int parent, ModelGraph& g)
{
    const Tree::Group& t = m_tree.groups[static_cast<size_t>(group)];
    const int index = static_cast<int>(g.nodes.size());
    if (group != 0 && t.children.size() == 1 && !t.children[0].first) {
        const int leaf = t.children[0].second;
        GraphNode node = m_leaves[static_cast<size_t>(leaf)].node;
        node.id = t.path;
        node.label = lastComponent(t.path);
        if (const std::string cls = moduleClass(m_model.module, t.path); !cls.empty())
            node.type = cls;
        node.parent = parent;
        m_finalIndex[static_cast<size_t>(leaf)] = index;
        g.nodes.push_back(std::move(node));
        return index;
    }
    GraphNode node;
    node.kind = GraphNodeKind::Group;
    node.id = t.path;
    node.label = group == 0 ? std::filesystem::path(m_model.path).stem().string() : lastComponent(t.path);
    node.type = moduleClass(m_model.module, t.path);
    node.parent = parent;
    g.nodes.push_back(std::move(node));
    for (const auto& [isGroup, child] : t.children) {
        int c = 0;
        if (isGroup) {
            c = emit(child, index, g);
        } else {
            c = static_cast<int>(g.nodes.size());
            GraphNode leaf = m_leaves[static_cast<size_t>(child)].node;
            leaf.parent = index;
            m_finalIndex[static_cast<size_t>(child)] = c;
            g.nodes.push_back(std::move(leaf));
        }
        g.nodes[static_cast<size_t>(index)].children.push_back(c);
    }
    return index;
}

void Builder::captureShapes(const SampleSet& probe, ModelGraph& g)
{
    std::vector<Value*> outs;
    std::vector<int> nodes;
    for (size_t i = 0; i < m_leaves.size(); ++i)
        if (Value* v = m_leaves[i].output; v && v->node()->owningBlock() == m_graph->block()) {
            outs.push_back(v);
            nodes.push_back(m_finalIndex[i]);
        }
    m_graph->setInsertPoint(m_graph->return_node());
    Node* tuple = m_graph->insertNode(m_graph->createTuple(outs));
    m_graph->eraseOutput(0);
    m_graph->registerOutput(tuple->output());
    torch::jit::GraphFunction capture("bitlens_graph_shapes", m_graph, nullptr);
    c10::IValue result;
    try {
        torch::NoGradGuard noGrad;
        result = capture({m_model.module._ivalue(), inputBatch(probe, 0, 1)});
    } catch (const std::exception& e) {
        throw ModelLoadError(m_model.path + ": forward fails on one sample of " + probe.source + " ("
                             + torchErrorSummary(e) + ")");
    }
    const auto& items = result.toTupleRef().elements();
    for (size_t i = 0; i < items.size(); ++i)
        if (items[i].isTensor()) {
            const auto sizes = items[i].toTensor().sizes();
            g.nodes[static_cast<size_t>(nodes[i])].shape.assign(sizes.begin(), sizes.end());
        }
    g.shapesKnown = true;
}

ModelGraph Builder::build(const SampleSet* probe)
{
    m_graph = m_model.module.get_method("forward").graph()->copy();
    m_self = m_graph->inputs()[0];
    std::unordered_map<std::string, int> calls;
    inlineWithScopes(m_graph->block(), m_self, m_weightIndex, m_scopes, calls);
    for (size_t i = 1; i < m_graph->inputs().size(); ++i) {
        Value* in = m_graph->inputs()[i];
        const int leaf = addLeaf(GraphNodeKind::Input, in->debugNameBase(), "input", "", -1);
        m_leaves[static_cast<size_t>(leaf)].node.id = "/input:" + in->debugNameBase();
        m_sources[in] = {leaf};
    }
    visit(m_graph->block());
    const int output = addLeaf(GraphNodeKind::Output, "output", "output", "", -1);
    m_leaves[static_cast<size_t>(output)].node.id = "/output";
    for (const Value* v : m_graph->outputs())
        connect(sourcesOf(v), output);

    ModelGraph g;
    m_finalIndex.assign(m_leaves.size(), -1);
    emit(0, -1, g);
    for (const auto& [from, to] : m_edges)
        g.edges.push_back({m_finalIndex[static_cast<size_t>(from)], m_finalIndex[static_cast<size_t>(to)]});
    if (probe && probe->count() > 0)
        captureShapes(*probe, g);
    return g;
}

} // namespace

ModelGraph buildModelGraph(Model& model, const SampleSet* probe)
{
    try {
        return Builder(model.impl()).build(probe);
    } catch (const c10::Error& e) { // a graph this folding does not understand
        throw ModelLoadError(model.path() + ": cannot fold its forward into a graph (" + torchErrorSummary(e) + ")");
    }
}

} // namespace bitlens
