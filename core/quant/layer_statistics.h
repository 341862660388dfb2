#pragma once
// core-internal: what quantization methods need to know of each layer's input on the calibration
// set, collected once from the FP32 model and cached per calibration set: per-channel magnitudes
// (AWQ, SmoothQuant) and XᵀX over the weight matrix's columns (GPTQ, and AWQ's error), where X
// holds one row per position the weight is applied at (a token, a convolution's output pixel).

#include <string>
#include <vector>

namespace bitlens {

class Model;
class Progress;
struct SampleSet;

struct LayerStatistics {
    std::string unavailable;      // why no method can use this layer's inputs; "" when they can
    int64_t channels = 0;         // input channels (a Linear's in features, a convolution's in channels)
    int64_t rows = 0;             // rows of X seen
    torch::Tensor channelMeanAbs; // float64 [channels]: mean |x| per channel
    torch::Tensor channelMaxAbs;  // float64 [channels]: max |x| per channel
    torch::Tensor gram;           // float64 [in·k, in·k]: XᵀX; undefined unless it was asked for
    torch::Tensor fisher;         // float64, the weight's shape flattened: the empirical Fisher
                                  // diagonal (cachedFisherDiagonal), set only for sqllm
};

// Every layer's magnitudes, and XᵀX for the layers where gram[i] is set. Threading: uses `model`
// exclusively while it runs. Throws Cancelled.
std::vector<LayerStatistics> collectLayerStatistics(Model& model, const SampleSet& calibration,
                                                    const std::vector<bool>& gram, Progress& progress);

// The same, cached in the model per calibration set; a later call that asks for more XᵀX
// collects again, keeping what was asked before.
const std::vector<LayerStatistics>& cachedLayerStatistics(Model& model, const SampleSet& calibration,
                                                          const std::vector<bool>& gram, Progress& progress);

} // namespace bitlens
