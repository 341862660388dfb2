#include "sample_set.h"

#include <algorithm>
#include <cstring>

namespace bitlens {

int64_t SampleSet::sampleElements() const
{
    int64_t n = 1;
    for (int64_t d : sampleShape)
        n *= d;
    return n;
}

size_t SampleSet::sampleBytes() const
{
    return static_cast<size_t>(sampleElements()) * (type == SampleType::UInt8 ? 1 : 4);
}

int64_t SampleSet::maxLabel() const
{
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
        out.labels.push_back(labels[indices[i]]);
    }
    return out;
}

} // namespace bitlens
