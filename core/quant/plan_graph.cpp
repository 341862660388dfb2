#include "plan_graph.h"

#include "compression_plan.h"
#include "weight_quantizer.h"

namespace bitlens {
namespace {

using torch::jit::NamedValue;
using torch::jit::Value;

Value* op(torch::jit::Graph& g, const char* name, std::vector<NamedValue> args)
{
    return g.insert(c10::Symbol::fromQualString(name), args);
}

// roundToFormat's fp8 emulation (weight_quantizer.cpp) as graph ops, op for op, so inputs round
// exactly as weights do and stock PyTorch can run the exported graph (1.13 has no fp8 dtype).
Value* insertFp8Round(torch::jit::Graph& g, Value* x, NumberFormat format)
{
    const Fp8Grid grid = fp8Grid(format);
    Value* a = op(g, "aten::abs", {x});
    Value* exponent = op(g, "aten::clamp_min", {op(g, "aten::floor", {op(g, "aten::log2", {a})}), grid.minExponent});
    Value* step = op(g, "aten::exp2", {op(g, "aten::sub", {exponent, grid.mantissaBits})});
    Value* q = op(g, "aten::clamp_max", {op(g, "aten::mul", {op(g, "aten::round", {op(g, "aten::div", {a, step})}), step}),
                                         grid.maxValue});
    return op(g, "aten::where", {op(g, "aten::gt", {a, 0.0}), op(g, "aten::copysign", {q, x}), x});
}

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
    case NumberFormat::Fp8E4M3:
    case NumberFormat::Fp8E5M2: return insertFp8Round(g, x, e.format);
    case NumberFormat::Float32: break;
    }
    throw PlanError("float32 inputs need no fake quantization");
}

// T·x as graph ops, with T's tensor a graph constant (saved with an exported model).
Value* insertTransform(torch::jit::Graph& g, Value* x, const InputTransform& t, LayerKind kind)
{
    const bool conv = kind == LayerKind::Conv1d || kind == LayerKind::Conv2d;
    if (t.kind == InputTransform::Kind::Scale) {
        std::vector<int64_t> shape{-1};
        if (conv)
            shape.resize(kind == LayerKind::Conv2d ? 3 : 2, 1);
        return op(g, "aten::div", {x, g.insertConstant(t.tensor.reshape(shape).contiguous())});
    }
    Value* rotation = g.insertConstant(t.tensor.t().contiguous());
    if (!conv)
        return op(g, "aten::matmul", {x, rotation});
    Value* last = op(g, "aten::transpose", {x, int64_t(1), int64_t(-1)});
    return op(g, "aten::transpose", {op(g, "aten::matmul", {last, rotation}), int64_t(1), int64_t(-1)});
}

} // namespace

std::shared_ptr<torch::jit::Graph> buildPlanGraph(const LayerGraph& layers, const std::vector<LayerInfo>& layerInfo,
                                                  const std::vector<ActivationEncoding>& encodings,
                                                  const std::vector<InputTransform>& transforms, bool weightsAsInputs)
{
    const size_t layerCount = layerInfo.size();
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
        if (weightsAsInputs) {
            Value* weight = weightInputs[layer]; // [out, in]: transposed back for an x @ W op
            if (LayerGraph::readsTransposed(n)) {
                g.setInsertPoint(n);
                weight = g.insert(c10::aten::t, {weight});
            }
            n->replaceInput(LayerGraph::weightInput(n), weight);
        }
        const bool transformed = layer < transforms.size() && !transforms[layer].identity();
        const bool quantized = layer < encodings.size() && encodings[layer].enabled;
        if (transformed || quantized) {
            g.setInsertPoint(n);
            const size_t dataIndex = LayerGraph::dataInput(n);
            Value* x = n->input(dataIndex);
            if (transformed)
                x = insertTransform(g, x, transforms[layer], layerInfo[layer].kind);
            n->replaceInput(dataIndex, quantized ? insertFakeQuant(g, x, encodings[layer]) : x);
        }
    }
    g.setInsertPoint(g.block());
    return copy.graph;
}

} // namespace bitlens
