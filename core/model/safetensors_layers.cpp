#include "safetensors_layers.h"

#include <algorithm>
#include <cctype>

namespace bitlens {
namespace {

// Runs of digits compare by value, so block 2 comes before block 10.
bool naturalLess(const std::string& a, const std::string& b)
{
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
            const size_t ei = a.find_first_not_of("0123456789", i), ej = b.find_first_not_of("0123456789", j);
            const std::string x = a.substr(i, ei - i), y = b.substr(j, ej - j);
            const std::string tx = x.substr(std::min(x.find_first_not_of('0'), x.size()));
            const std::string ty = y.substr(std::min(y.find_first_not_of('0'), y.size()));
            if (tx.size() != ty.size())
                return tx.size() < ty.size();
            if (tx != ty)
                return tx < ty;
            i = ei == std::string::npos ? a.size() : ei;
            j = ej == std::string::npos ? b.size() : ej;
            continue;
        }
        if (a[i] != b[j])
            return a[i] < b[j];
        ++i;
        ++j;
    }
    return a.size() - i < b.size() - j;
}

bool namesAnEmbedding(const std::string& name)
{
    std::string lower(name.size(), ' ');
    std::transform(name.begin(), name.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    for (size_t start = 0; start <= lower.size();) {
        const size_t end = std::min(lower.find('.', start), lower.size());
        const std::string part = lower.substr(start, end - start);
        if (part.find("embed") != std::string::npos || part == "wte" || part == "wpe" || part.rfind("tok", 0) == 0)
            return true;
        start = end + 1;
    }
    return false;
}

LayerKind kindOf(const std::string& name, size_t rank)
{
    if (rank == 3)
        return LayerKind::Conv1d;
    if (rank == 4)
        return LayerKind::Conv2d;
    return rank == 2 && namesAnEmbedding(name) ? LayerKind::Embedding : LayerKind::Linear;
}

} // namespace

SafetensorsLayers safetensorsLayers(const SafetensorsFile& file)
{
    SafetensorsLayers out;
    const std::string suffix = ".weight";
    for (const SafetensorsTensor& t : file.tensors()) {
        if (t.shape.size() < 2)
            continue;
        if (!t.convertible()) {
            out.unsupported.push_back(t.name + " (" + t.dtype + ")");
            continue;
        }
        SafetensorsLayer l;
        const bool suffixed = t.name.size() > suffix.size()
                              && t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) == 0;
        l.info.name = suffixed ? t.name.substr(0, t.name.size() - suffix.size()) : t.name;
        l.info.kind = kindOf(l.info.name, t.shape.size());
        l.info.weightShape = t.shape;
        l.info.weightParams = t.elements();
        l.info.calls = 1;
        l.weight = &t;
        const SafetensorsTensor* bias = file.find(l.info.name + ".bias");
        if (bias && bias->convertible() && bias->shape.size() == 1 && bias->shape[0] == t.shape[0]) {
            l.bias = bias;
            l.info.biasParams = bias->elements();
        }
        out.layers.push_back(std::move(l));
    }
    std::sort(out.layers.begin(), out.layers.end(),
              [](const SafetensorsLayer& a, const SafetensorsLayer& b) { return naturalLess(a.info.name, b.info.name); });
    return out;
}

} // namespace bitlens
