#include "layer_info.h"

#include <algorithm>
#include <charconv>

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

bool layerKindFromName(const std::string& name, LayerKind& kind)
{
    for (LayerKind k : {LayerKind::Conv1d, LayerKind::Conv2d, LayerKind::Linear, LayerKind::Embedding}) {
        if (name == kindName(k)) {
            kind = k;
            return true;
        }
    }
    return false;
}

std::vector<int64_t> shapeFromString(const std::string& text)
{
    std::vector<int64_t> shape;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t end = std::min(text.find('x', start), text.size());
        int64_t value = 0;
        const auto [stop, ec] = std::from_chars(text.data() + start, text.data() + end, value);
        if (start == end || ec != std::errc() || stop != text.data() + end || value < 0)
            return {};
        shape.push_back(value);
        start = end + 1;
    }
    return shape;
}

} // namespace bitlens
