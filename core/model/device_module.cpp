#include "device_module.h"

#include "../errors.h"
#include "layer_graph.h"

namespace bitlens {

DeviceModule::DeviceModule(Model::Impl& m, const ComputeOptions& o)
{
    if (o.precision == Precision::Bf16)
        m_autocast.emplace(o.device.cuda);
    if (!o.device.cuda) {
        m_module = m.module;
        m_weights = m.weights;
        return;
    }
    m_device = torch::Device(torch::kCUDA, c10::DeviceIndex(o.device.index));
    m_tf32Before = at::globalContext().allowTF32CuBLAS();
    at::globalContext().setAllowTF32CuBLAS(o.precision == Precision::Tf32);
    try {
        m_module = m.module.deepcopy();
        m_module.to(m_device);
    } catch (const std::exception& e) {
        at::globalContext().setAllowTF32CuBLAS(m_tf32Before);
        throw Error(m.path + ": cannot move the model to " + nameOf(o.device) + " (" + e.what() + ")");
    }
    for (size_t i = 0; i < m.weightPaths.size(); ++i) {
        const torch::Tensor stored = attributeTensor(m_module, m.weightPaths[i]);
        m_weights.push_back(m.transposed[i] ? stored.t() : stored);
    }
}

DeviceModule::~DeviceModule()
{
    if (m_device.is_cuda())
        at::globalContext().setAllowTF32CuBLAS(m_tf32Before);
}

torch::Tensor DeviceModule::input(const torch::Tensor& cpuBatch) const
{
    return cpuBatch.to(m_device);
}

namespace {

void placeConstantsIn(torch::jit::Block* block, const torch::Device& device)
{
    for (torch::jit::Node* node : block->nodes()) {
        const bool constant = node->kind() == c10::prim::Constant && node->hasAttribute(c10::attr::value);
        if (constant && node->kindOf(c10::attr::value) == torch::jit::AttributeKind::t) {
            const torch::Tensor t = node->t(c10::attr::value);
            if (t.device() != device)
                node->t_(c10::attr::value, t.to(device));
        } else if (constant && node->output()->type()->kind() == c10::TypeKind::DeviceObjType) {
            node->s_(c10::attr::value, device.str()); // torch.arange(..., device=cpu) and the like
        }
        for (torch::jit::Block* inner : node->blocks())
            placeConstantsIn(inner, device);
    }
}

} // namespace

void DeviceModule::placeConstants(torch::jit::Graph& graph) const
{
    if (!m_device.is_cpu())
        placeConstantsIn(graph.block(), m_device);
}

std::function<c10::IValue(const torch::Tensor&)> DeviceModule::forward(LayerGraph& layers)
{
    if (onCpuInFp32())
        return [this](const torch::Tensor& input) { return m_module.forward({input}); };
    std::shared_ptr<torch::jit::Graph> graph = layers.copyGraph().graph;
    placeConstants(*graph);
    // The simple executor: the profiling one spends its first runs profiling and then seconds
    // optimising a large model's inlined graph, and on a GPU the kernels dominate anyway.
    m_forward = std::make_unique<torch::jit::GraphFunction>("bitlens_device_forward", graph, nullptr,
                                                             torch::jit::ExecutorExecutionMode::SIMPLE);
    return [this, &layers](const torch::Tensor& batch) { return layers.run(*m_forward, input(batch), {}, &m_module); };
}

} // namespace bitlens
