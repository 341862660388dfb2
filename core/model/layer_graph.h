#pragma once
// core-internal: the model's forward graph, inlined, with every compressible layer's call site
// found. From it we build variants of forward: one that also returns each layer's input and
// output (shapes, MACs, activation statistics), and later ones that fake-quantize inputs.

#include "layer_info.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace bitlens {

// A weight that forward feeds to a convolution, linear or embedding: its attribute path from the
// root module ("layer2.conv1.weight", "encoder.attn.in_proj_weight"), the op's kind and its bias.
struct LayerWeightUse {
    std::string weightPath;
    std::string biasPath; // "" when the op has no bias attribute
    LayerKind kind = LayerKind::Linear;
    // Stored [in, out] (addmm / matmul read x @ W); BitLens works on its [out, in] transpose.
    bool transposed = false;
    bool mixedLayouts = false; // also read the other way by another op: not a layer
    int64_t groups = 1;        // a convolution's input channel groups (0: not a constant)
};
// Every such weight of the module's inlined forward (loops and branches included), each once, in
// the order of module.named_parameters(). A layer is what a weight computes, whatever the module's
// type is called (torch.nn.MultiheadAttention's projections, subclasses of Linear).
std::vector<LayerWeightUse> findLayerWeights(const torch::jit::Module& module);
// "self.layer2.conv1" as a chain of prim::GetAttr from `self` -> "layer2.conv1"; "" when the value
// is `self` or does not come from an attribute path on it.
std::string attributePath(torch::jit::Value* v, const torch::jit::Value* self);
// The attribute path of a layer op's weight; "" for other nodes and for weights not read from self.
std::string weightPathOf(torch::jit::Node* n, const torch::jit::Value* self);
// The tensor at "a.b.weight" under the module; undefined when that attribute holds None.
torch::Tensor attributeTensor(const torch::jit::Module& module, const std::string& path);

// Ownership: owned by Model::Impl. Threading: run() from one thread at a time.
class LayerGraph {
public:
    // weightIndex: a layer's weight attribute path -> its index in Model::layers().
    LayerGraph(torch::jit::Module& module, const std::unordered_map<std::string, size_t>& weightIndex);

    struct Call {
        size_t layer;             // index into Model::layers()
        torch::jit::Node* node;   // aten::conv2d / linear / embedding ... in graph()
    };
    const std::vector<Call>& calls() const { return m_calls; }
    // Layer call sites inside loops or branches, which cannot be captured from the top level.
    int nestedCalls() const { return m_nestedCalls; }

    // A private copy of the inlined forward, with the nodes of calls() in the copy, in order;
    // variants (capturing, fake-quantized, weights as inputs) are built by editing one.
    struct GraphCopy {
        std::shared_ptr<torch::jit::Graph> graph;
        std::vector<torch::jit::Node*> callNodes;
    };
    GraphCopy copyGraph() const;
    // Which input of a call node carries the layer's weight, and which its data.
    static size_t weightInput(const torch::jit::Node* node);
    static size_t dataInput(const torch::jit::Node* node);
    // Whether the node reads its weight as [in, out], the transpose of the layer's [out, in].
    static bool readsTransposed(const torch::jit::Node* node);
    // Runs a variant built from copyGraph() with extra inputs after (self, input); `self` the
    // model's module, or a copy of it elsewhere (DeviceModule).
    c10::IValue run(torch::jit::GraphFunction& variant, const torch::Tensor& input,
                    const std::vector<torch::Tensor>& extraInputs = {}, const torch::jit::Module* self = nullptr);

    struct Capture {
        torch::Tensor output;
        std::vector<torch::Tensor> inputs;  // per call, the layer's input
        std::vector<torch::Tensor> outputs; // per call, the layer's output
    };
    // forward(input) plus each call's input and output, computed in one pass.
    Capture runCapturing(const torch::Tensor& input);

private:
    torch::jit::Module& m_module;
    std::shared_ptr<torch::jit::Graph> m_graph; // inlined copy of forward
    std::vector<Call> m_calls;
    std::vector<size_t> m_positions; // of each call among the top-level nodes
    int m_nestedCalls = 0;
    std::unique_ptr<torch::jit::GraphFunction> m_capturing;
};

} // namespace bitlens
