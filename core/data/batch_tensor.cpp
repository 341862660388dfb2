#include "batch_tensor.h"

namespace bitlens {

namespace {

// Token windows [begin, end) as int32 [n, T + 1], not copied.
torch::Tensor tokenWindows(const SampleSet& set, int64_t begin, int64_t end)
{
    auto* data = const_cast<uint8_t*>(set.data.data()) + static_cast<size_t>(begin) * set.sampleBytes();
    return torch::from_blob(data, {end - begin, set.sampleElements() + 1}, torch::kInt32);
}

} // namespace

torch::Tensor inputBatch(const SampleSet& set, int64_t begin, int64_t end)
{
    if (set.tokens())
        return tokenWindows(set, begin, end).narrow(1, 0, set.sampleElements()).to(torch::kInt64);
    std::vector<int64_t> shape{end - begin};
    shape.insert(shape.end(), set.sampleShape.begin(), set.sampleShape.end());
    // from_blob does not copy; the conversions below do, so the SampleSet is only read.
    auto* data = const_cast<uint8_t*>(set.data.data()) + static_cast<size_t>(begin) * set.sampleBytes();
    if (set.type == SampleType::UInt8)
        return torch::from_blob(data, shape, torch::kUInt8).to(torch::kFloat32).div_(255.0f);
    return torch::from_blob(data, shape, torch::kFloat32).clone();
}

torch::Tensor labelBatch(const SampleSet& set, int64_t begin, int64_t end)
{
    if (set.tokens())
        return tokenWindows(set, begin, end).narrow(1, 1, set.sampleElements()).to(torch::kInt64);
    auto* data = const_cast<int64_t*>(set.labels.data()) + begin;
    return torch::from_blob(data, {end - begin}, torch::kInt64).clone();
}

} // namespace bitlens
