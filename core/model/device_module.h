#pragma once
// core-internal: a model's module where the forward passes and products of one job run (a CUDA
// device, bfloat16). On the CPU in float32 it is the model's own module, shared; otherwise a deep
// copy moved there, made for the job and dropped with it, so the model stays on the CPU for
// everything else (statistics, spectra, quantizers) and an edit of its weights is never missed.
// Threading: make, use and drop it on one thread (bf16 is that thread's autocast state).

#include "../compute_device.h"
#include "compat_ops.h"
#include "model_impl.h"

#include <optional>

namespace bitlens {

class DeviceModule {
public:
    DeviceModule(Model::Impl& model, const ComputeOptions& options);
    ~DeviceModule();
    DeviceModule(const DeviceModule&) = delete;
    DeviceModule& operator=(const DeviceModule&) = delete;

    torch::jit::Module& module() { return m_module; }
    // layers[i]'s weight as [out, in, ...] there (a view of the copy's tensor).
    const std::vector<torch::Tensor>& weights() const { return m_weights; }
    torch::Device device() const { return m_device; }
    torch::ScalarType dtype() const { return torch::kFloat32; } // bf16 is autocast: storage stays float32
    // A batch of inputs there, as they are (autocast casts what bf16 needs).
    torch::Tensor input(const torch::Tensor& cpuBatch) const;
    torch::Tensor target(const torch::Tensor& cpuBatch) const { return cpuBatch.to(m_device); }
    bool onCpuInFp32() const { return m_device.is_cpu() && !m_autocast; }
    // A trace bakes tensors it computed from no input (position ids, masks, RoPE tables) into
    // the graph as constants on the device it ran on; a graph (a copy: LayerGraph::copyGraph)
    // runs here once they are moved here too. Nothing to do on the CPU.
    void placeConstants(torch::jit::Graph& graph) const;
    // The model's forward for evaluation here: its own method on the CPU in fp32, else its
    // inlined graph with the constants placed, run on this copy.
    std::function<c10::IValue(const torch::Tensor&)> forward(LayerGraph& layers);

private:
    torch::jit::Module m_module;
    std::vector<torch::Tensor> m_weights;
    torch::Device m_device = torch::kCPU;
    std::optional<Bf16AutocastScope> m_autocast; // this thread's, for the job's life
    bool m_tf32Before = false;
    std::unique_ptr<torch::jit::GraphFunction> m_forward; // forward()'s graph, when not the module's
};

} // namespace bitlens
