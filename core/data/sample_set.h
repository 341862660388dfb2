#pragma once
// Labelled samples held in memory as plain bytes, so views and the app can pass them around
// without LibTorch. uint8 samples are fed to models scaled to [0, 1]; float32 ones as they are.
// Token samples are windows of T + 1 int32 tokens: the model reads the first T and is scored on
// predicting the last T, so they carry no labels.

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

enum class SampleType { UInt8, Float32, Token };

// Ownership: a value type; copies are deep. Immutable once loaded, so it may be read from any
// number of threads at once.
struct SampleSet {
    std::string source;               // file or folder it came from, for messages
    std::string split;                // "train", "test", "calibration", ...
    std::vector<int64_t> sampleShape; // what the model reads of one sample, e.g. {1, 28, 28}, or {T}
    SampleType type = SampleType::UInt8;
    std::vector<uint8_t> data;        // count() * sampleBytes() bytes, sample-major
    std::vector<int64_t> labels;      // one per sample; empty for tokens

    int64_t count() const;
    int64_t sampleElements() const;
    size_t sampleBytes() const;       // stored bytes: T + 1 tokens for a token window
    int64_t maxLabel() const;         // the largest token for tokens
    bool tokens() const { return type == SampleType::Token; }

    // The samples at these indices, in that order.
    SampleSet subset(const std::vector<int64_t>& indices, const std::string& splitName) const;
    // Names these samples for caches of what a model computed on them (input histograms,
    // statistics): source, split, count and a hash of the bytes.
    std::string cacheKey() const;
};

} // namespace bitlens
