#pragma once
// The compressible layers of a safetensors checkpoint, which has tensors but no modules: every
// F32 / F16 / BF16 tensor of rank >= 2 is a layer's weight, named by the tensor without its
// ".weight" suffix, with the 1-D "<layer>.bias" of matching length as its bias.

#include "../io/safetensors_file.h"
#include "layer_info.h"

#include <string>
#include <vector>

namespace bitlens {

struct SafetensorsLayer {
    LayerInfo info;                            // MACs unknown (-1): nothing runs the model
    const SafetensorsTensor* weight = nullptr; // into the file's tensor list
    const SafetensorsTensor* bias = nullptr;   // nullptr when the layer has none
};

struct SafetensorsLayers {
    // In natural order of their names ("layers.2" before "layers.10").
    std::vector<SafetensorsLayer> layers;
    // Tensors of rank >= 2 in dtypes BitLens cannot analyse, as "name (I8)": left out of `layers`.
    std::vector<std::string> unsupported;
};

// Kinds: Embedding when a part of the name says so ("embed…", "wte", "wpe", "tok…"), Conv1d /
// Conv2d for rank 3 / 4, otherwise Linear (a rank-5 tensor too: it is analysed as the
// [out, rest] matrix like every other). Valid while `file` lives.
SafetensorsLayers safetensorsLayers(const SafetensorsFile& file);

} // namespace bitlens
