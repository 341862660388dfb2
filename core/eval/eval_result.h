#pragma once
// Running or final figures of evaluating a model on a SampleSet: plain data for views and JSON.

#include <cstdint>

namespace bitlens {

struct EvalResult {
    int64_t samples = 0;     // seen so far
    int64_t total = 0;       // to be seen
    double lossSum = 0.0;    // summed per-sample loss, float64
    int64_t correctTop1 = 0;
    int64_t correctTop5 = 0;
    double seconds = 0.0;

    double loss() const { return samples ? lossSum / static_cast<double>(samples) : 0.0; }
    double top1() const { return samples ? static_cast<double>(correctTop1) / static_cast<double>(samples) : 0.0; }
    double top5() const { return samples ? static_cast<double>(correctTop5) / static_cast<double>(samples) : 0.0; }
    bool complete() const { return samples == total; }
    double samplesPerSecond() const { return seconds > 0 ? static_cast<double>(samples) / seconds : 0.0; }
};

// 95 % Wilson score interval of top-1 accuracy: honest at small sample counts and near 0 or 1,
// which matters while a measurement is still streaming in.
struct Interval {
    double low = 0.0;
    double high = 0.0;
};
Interval top1Interval(const EvalResult& r);

} // namespace bitlens
