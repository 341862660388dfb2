#include "layer_info.h"

namespace bitlens {

const char* kindName(LayerKind kind)
{
    switch (kind) {
    case LayerKind::Conv1d: return "Conv1d";
    case LayerKind::Conv2d: return "Conv2d";
    case LayerKind::Linear: return "Linear";
    case LayerKind::Embedding: return "Embedding";
    }
    return "?";
}

std::string shapeString(const std::vector<int64_t>& shape)
{
    std::string s;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i)
            s += 'x';
        s += std::to_string(shape[i]);
    }
    return s;
}

} // namespace bitlens
