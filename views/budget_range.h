#pragma once
// A memory budget in the two units the GUI offers: bytes of the compressible layers, and average
// bits per compressible weight, converted as core's budgetBytesFromText converts "4bits" (weights at
// the average width, fp32 biases on top); and the range of budgets a cost table allows.

#include <cmath>
#include <cstdint>

namespace bitlens::views {

// Ownership: plain value. Threading: no shared state.
struct BitsPerWeight {
    int64_t weights = 0;   // compressible weights
    int64_t biasBytes = 0; // their layers' biases, stored as fp32 whatever the plan

    bool valid() const { return weights > 0; }
    bool operator==(const BitsPerWeight& o) const { return weights == o.weights && biasBytes == o.biasBytes; }
    double bitsAt(int64_t bytes) const { return 8.0 * double(bytes - biasBytes) / double(weights); }
    // floor, like budgetBytesFromText, so a plan within bytesAt(b) averages at most b bits.
    int64_t bytesAt(double bits) const { return int64_t(std::floor(bits * double(weights) / 8.0 + double(biasBytes))); }
};

// The smallest and the largest plan the table's options (and the pins) allow. BOPs are 0 when the
// layers' MACs are unknown (the model has not run on data yet): no BOPs budget then.
struct BudgetRange {
    BitsPerWeight scale;
    int64_t minBytes = 0;
    int64_t maxBytes = 0;
    double minBops = 0.0;
    double maxBops = 0.0;

    bool valid() const { return scale.valid() && maxBytes > 0; }
    bool hasBops() const { return maxBops > 0.0; }
    bool operator==(const BudgetRange& o) const
    {
        return scale == o.scale && minBytes == o.minBytes && maxBytes == o.maxBytes && minBops == o.minBops
            && maxBops == o.maxBops;
    }
};

} // namespace bitlens::views
