#include "sample_set.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <string_view>

namespace bitlens {

std::string SampleSet::cacheKey() const
{
    const std::string_view bytes(reinterpret_cast<const char*>(data.data()), data.size());
    return source + "|" + split + "|" + std::to_string(count()) + "|" + std::to_string(std::hash<std::string_view>{}(bytes));
}

int64_t SampleSet::sampleElements() const
{
    int64_t n = 1;
    for (int64_t d : sampleShape)
        n *= d;
    return n;
}

int64_t SampleSet::count() const
{
    if (!tokens())
        return static_cast<int64_t>(labels.size());
    return sampleBytes() ? static_cast<int64_t>(data.size() / sampleBytes()) : 0;
}

size_t SampleSet::sampleBytes() const
{
    if (tokens())
        return static_cast<size_t>(sampleElements() + 1) * sizeof(int32_t);
    return static_cast<size_t>(sampleElements()) * (type == SampleType::UInt8 ? 1 : 4);
}

int64_t SampleSet::maxLabel() const
{
    if (tokens()) {
        const auto* t = reinterpret_cast<const int32_t*>(data.data());
        const size_t n = data.size() / sizeof(int32_t);
        return n ? *std::max_element(t, t + n) : -1;
    }
    return labels.empty() ? -1 : *std::max_element(labels.begin(), labels.end());
}

SampleSet SampleSet::subset(const std::vector<int64_t>& indices, const std::string& splitName) const
{
    SampleSet out;
    out.source = source;
    out.split = splitName;
    out.sampleShape = sampleShape;
    out.type = type;
    const size_t bytes = sampleBytes();
    out.data.resize(indices.size() * bytes);
    out.labels.reserve(indices.size());
    for (size_t i = 0; i < indices.size(); ++i) {
        std::memcpy(out.data.data() + i * bytes, data.data() + indices[i] * bytes, bytes);
        if (!tokens())
            out.labels.push_back(labels[indices[i]]);
    }
    return out;
}

} // namespace bitlens
