#pragma once
// core-internal: the LibTorch side of Model. Never include from views/ or app/.

#include "../quant/activation_calibration.h"
#include "../quant/layer_statistics.h"
#include "layer_graph.h"
#include "model.h"

namespace bitlens {

struct Model::Impl {
    std::string path;
    torch::jit::Module module;
    std::vector<LayerInfo> layers;
    std::vector<std::string> weightPaths; // layers[i]'s weight as an attribute path ("fc.weight")
    std::vector<bool> transposed;         // stored [in, out]: weights[i] is the module tensor's transpose
    std::vector<torch::Tensor> weights; // layers[i]'s weight as [out, in, ...], shared with module
    std::vector<torch::Tensor> biases;  // layers[i]'s bias (undefined when it has none)
    int64_t totalParams = 0;
    std::unique_ptr<LayerGraph> graph;  // built on first use
    std::vector<int64_t> outputShape;

    // Input histograms of the FP32 model on a calibration set, named by SampleSet::cacheKey().
    std::string histogramKey;
    std::vector<ActivationHistogram> histograms;
    // Input statistics for quantization methods on a calibration set (cachedLayerStatistics).
    std::string statisticsKey;
    std::vector<LayerStatistics> statistics;
    // The empirical Fisher diagonal of every layer's weight on a calibration set (cachedFisherDiagonal).
    std::string fisherKey;
    std::vector<torch::Tensor> fisher;

    LayerGraph& layerGraph();
    // A layer's weight attribute path -> its index in layers.
    std::unordered_map<std::string, size_t> weightIndex() const;
};

} // namespace bitlens
