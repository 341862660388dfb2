#include "layer_info.h"

#include <algorithm>

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
        const std::string part = text.substr(start, end - start);
        if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos)
            return {};
        shape.push_back(std::stoll(part));
        start = end + 1;
    }
    return shape;
}

} // namespace bitlens
