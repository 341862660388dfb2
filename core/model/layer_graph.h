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

// Ownership: owned by Model::Impl. Threading: run() from one thread at a time.
class LayerGraph {
public:
    LayerGraph(torch::jit::Module& module, const std::unordered_map<std::string, size_t>& layerIndex);

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
    // Runs a variant built from copyGraph() with extra inputs after (self, input).
    c10::IValue run(torch::jit::GraphFunction& variant, const torch::Tensor& input,
                    const std::vector<torch::Tensor>& extraInputs = {});

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
