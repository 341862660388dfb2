#pragma once
// core-internal: products of the loss Hessian with vectors, by double back-propagation through the
// model's forward graph, averaged over the calibration batches. Vectors are flat float64 tensors
// (one layer's weight, or one per layer) on any device, and each product comes back on its
// vector's device; the products themselves run in float32 (or bfloat16) where the model runs.

#include "../compute_device.h"
#include "../model/model.h"

#include <memory>
#include <vector>

namespace bitlens {

class Progress;
struct SampleSet;

// Ownership: keeps the model's weights as autograd leaves (sharing their storage) and, when
// keepGraphs, every batch's first-order graph; `model` must outlive it. Threading: one thread.
class HessianOperator {
public:
    // Splits the first batches × batchSize samples of `calibration` into batches. keepGraphs: build
    // each batch's forward and gradient graph once and reuse it for every product (memory for
    // speed); otherwise every product recomputes them, as PyHessian does. Throws Error when the
    // calibration set is smaller than one batch, the model calls layers inside loops, or the loss
    // or a layer's gradient is not finite (naming the layer).
    // `compute`: where the forward graphs and products run (a copy of the model there, kept for
    // the operator's life) and in what precision.
    HessianOperator(Model& model, const SampleSet& calibration, int64_t batches, int64_t batchSize,
                    bool keepGraphs, Progress& progress, const ComputeOptions& compute = {});
    ~HessianOperator();

    size_t layerCount() const;
    int64_t layerSize(size_t layer) const;
    int64_t batchCount() const;
    int64_t samples() const;
    double loss() const;                                 // mean calibration loss
    const torch::Tensor& gradient(size_t layer) const;   // mean gradient, flat float64

    // H_ll v for one layer's block. perBatchQuadratic, when given, receives vᵀ H_b v per batch.
    // Every call below checks `progress` for cancellation before each batch.
    torch::Tensor layerProduct(size_t layer, const torch::Tensor& v, Progress& progress,
                               std::vector<double>* perBatchQuadratic = nullptr);
    // (H v)_l for the layers l where v_l is defined (the others undefined), v given per layer
    // (undefined = zero): one product with the whole Hessian, restricted to those rows.
    std::vector<torch::Tensor> modelProduct(const std::vector<torch::Tensor>& v, Progress& progress);

    // Where the products run: one layer's vectors kept there (Lanczos bases, probes) cost no
    // copies between host and device, and their algebra runs at the device's bandwidth.
    torch::Device vectorDevice() const;
    // The layer weights the products are taken at (autograd leaves; do not modify).
    const std::vector<torch::Tensor>& weights() const;
    // The mean calibration loss of a plan-graph variant (weights as inputs) with these weights,
    // over the same batches. No gradients.
    double lossOf(torch::jit::GraphFunction& variant, const std::vector<torch::Tensor>& weights, Progress& progress);
    // The diagonal of the empirical Fisher, mean over samples of the squared per-sample gradient,
    // flat float64 per layer. One backward pass per sample.
    std::vector<torch::Tensor> fisherDiagonal(Progress& progress);

    int64_t layerProducts() const; // counts of the calls above
    int64_t modelProducts() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace bitlens
