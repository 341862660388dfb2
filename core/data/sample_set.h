#pragma once
// Labelled samples held in memory as plain bytes, so views and the app can pass them around
// without LibTorch. uint8 samples are fed to models scaled to [0, 1]; float32 ones as they are.

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

enum class SampleType { UInt8, Float32 };

// Ownership: a value type; copies are deep. Immutable once loaded, so it may be read from any
// number of threads at once.
struct SampleSet {
    std::string source;               // file or folder it came from, for messages
    std::string split;                // "train", "test", "calibration", ...
    std::vector<int64_t> sampleShape; // one sample, e.g. {1, 28, 28}
    SampleType type = SampleType::UInt8;
    std::vector<uint8_t> data;        // count() * sampleBytes() bytes, sample-major
    std::vector<int64_t> labels;

    int64_t count() const { return static_cast<int64_t>(labels.size()); }
    int64_t sampleElements() const;
    size_t sampleBytes() const;
    int64_t maxLabel() const;

    // The samples at these indices, in that order.
    SampleSet subset(const std::vector<int64_t>& indices, const std::string& splitName) const;
};

} // namespace bitlens
