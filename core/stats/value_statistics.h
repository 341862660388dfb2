#pragma once
// Summary statistics of a set of values (a layer's weights, or its inputs): moments, tails and a
// histogram. Plain data and plain loops, so views and tests use them without LibTorch.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

struct StatisticsOptions {
    std::vector<double> sigmaMultiples{3.0, 6.0}; // report the fraction of values beyond k·σ
    int maxBins = 512;                            // histogram bins: clamp(√n, 32, maxBins)
    double outlierFactor = 3.0;                   // an outlier channel's abs-max exceeds this × the median
};

struct Histogram {
    std::vector<double> edges;   // bins + 1, equal width over [min, max]
    std::vector<int64_t> counts; // raw counts, so plots can use a log scale
};

struct ValueStatistics {
    int64_t count = 0;
    double min = 0.0;
    double max = 0.0;
    double mean = 0.0;
    double std = 0.0;         // population standard deviation
    double kurtosis = 0.0;    // excess kurtosis (0 for a normal distribution)
    double absMax = 0.0;
    double absMaxOverStd = 0.0;
    std::vector<double> beyondSigma; // per StatisticsOptions::sigmaMultiples: fraction with |x − mean| > k·σ
    Histogram histogram;
};

ValueStatistics valueStatistics(const float* values, size_t count, const StatisticsOptions& options);

// The name of the beyond-k·σ fraction in the bundle and JSON: "outlier_frac_3sigma".
std::string beyondSigmaName(double k);

// The histogram bin count for `count` values: clamp(√count, 32, maxBins).
int histogramBins(int64_t count, int maxBins);

// A weight of shape [out, in, k...] (Linear [out, in]; Embedding [rows, dim]) per channel.
struct WeightStatistics {
    ValueStatistics values;
    std::vector<double> outputAbsMax; // per output channel (row)
    std::vector<double> outputMin;
    std::vector<double> outputMax;
    std::vector<double> inputAbsMax;  // per input channel (dimension 1, over the kernel window)
    std::vector<int64_t> outlierChannels; // output channels with abs-max > outlierFactor × median
};

WeightStatistics weightStatistics(const float* weight, const std::vector<int64_t>& shape, const StatisticsOptions& options);

} // namespace bitlens
