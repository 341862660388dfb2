#pragma once
// What BitLens knows about one compressible layer: plain data, safe to copy into views.

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

enum class LayerKind { Conv1d, Conv2d, Linear, Embedding };

struct LayerInfo {
    std::string name;                 // qualified module name, e.g. "layer2.conv1"
    LayerKind kind = LayerKind::Linear;
    std::vector<int64_t> weightShape; // as stored: [out, in/groups, k...] or [out, in]
    int64_t weightParams = 0;
    int64_t biasParams = 0;           // 0 when the layer has no bias
    // Measured by running one batch; -1 until the model was profiled on a dataset.
    int64_t macsPerSample = -1;
    int calls = 0;                    // how often forward() uses the weight (weight sharing)
    int64_t groups = 1;               // a convolution's input channel groups (0: not a constant in the graph)

    int64_t params() const { return weightParams + biasParams; }
    bool hasBias() const { return biasParams > 0; }
};

const char* kindName(LayerKind kind);
// The inverse of kindName; false for an unknown name.
bool layerKindFromName(const std::string& name, LayerKind& kind);
std::string shapeString(const std::vector<int64_t>& shape); // "32x1x3x3"
std::vector<int64_t> shapeFromString(const std::string& text); // the inverse; empty when malformed

} // namespace bitlens
