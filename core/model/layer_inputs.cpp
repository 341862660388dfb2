#include "layer_inputs.h"

#include "../data/batch_tensor.h"
#include "../data/sample_set.h"
#include "../progress.h"

namespace bitlens {

void forEachLayerInput(Model::Impl& m, const SampleSet& data, Progress& progress, double from, double to,
                       const std::string& what, const std::function<void(size_t layer, const torch::Tensor& input)>& perInput)
{
    // Small enough that a captured batch of every layer's input stays in the tens of MB.
    constexpr int64_t batch = 256;
    LayerGraph& graph = m.layerGraph();
    torch::NoGradGuard noGrad;
    for (int64_t begin = 0; begin < data.count(); begin += batch) {
        progress.checkCancelled();
        const int64_t end = std::min(begin + batch, data.count());
        const LayerGraph::Capture capture = graph.runCapturing(inputBatch(data, begin, end));
        for (size_t i = 0; i < graph.calls().size(); ++i)
            perInput(graph.calls()[i].layer, capture.inputs[i]);
        progress.report(from + (to - from) * static_cast<double>(end) / static_cast<double>(data.count()), what);
    }
}

} // namespace bitlens
