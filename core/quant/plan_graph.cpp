#include "plan_graph.h"

#include "compression_plan.h"

namespace bitlens {
namespace {

using torch::jit::NamedValue;
using torch::jit::Value;

Value* insertFakeQuant(torch::jit::Graph& g, Value* x, const ActivationEncoding& e)
{
    switch (e.format) {
    case NumberFormat::Int:
        return g.insert(c10::Symbol::fromQualString("aten::fake_quantize_per_tensor_affine"),
                        {NamedValue(x), NamedValue(e.scale), NamedValue(e.zeroPoint), NamedValue(e.qmin),
                         NamedValue(e.qmax)});
    case NumberFormat::Float16:
    case NumberFormat::BFloat16: {
        const c10::ScalarType narrow = e.format == NumberFormat::Float16 ? c10::kHalf : c10::kBFloat16;
        const c10::Symbol to = c10::Symbol::fromQualString("aten::to");
        Value* low = g.insert(to, {NamedValue(x), NamedValue(static_cast<int64_t>(narrow))});
        return g.insert(to, {NamedValue(low), NamedValue(static_cast<int64_t>(c10::kFloat))});
    }
    default:
        throw PlanError(std::string("activations in ") + formatName(e.format)
                        + " are not supported (use int 2-8 bits, float16 or bfloat16)");
    }
}

} // namespace

std::shared_ptr<torch::jit::Graph> buildPlanGraph(const LayerGraph& layers, size_t layerCount,
                                                  const std::vector<ActivationEncoding>& encodings,
                                                  bool weightsAsInputs)
{
    LayerGraph::GraphCopy copy = layers.copyGraph();
    torch::jit::Graph& g = *copy.graph;
    std::vector<Value*> weightInputs;
    if (weightsAsInputs) {
        for (size_t i = 0; i < layerCount; ++i)
            weightInputs.push_back(g.addInput("w" + std::to_string(i))->setType(c10::TensorType::get()));
    }
    for (size_t c = 0; c < copy.callNodes.size(); ++c) {
        torch::jit::Node* n = copy.callNodes[c];
        const size_t layer = layers.calls()[c].layer;
        if (weightsAsInputs)
            n->replaceInput(LayerGraph::weightInput(n), weightInputs[layer]);
        if (layer < encodings.size() && encodings[layer].enabled) {
            g.setInsertPoint(n);
            const size_t dataIndex = LayerGraph::dataInput(n);
            n->replaceInput(dataIndex, insertFakeQuant(g, n->input(dataIndex), encodings[layer]));
        }
    }
    g.setInsertPoint(g.block());
    return copy.graph;
}

} // namespace bitlens
