#pragma once
// Statistics of every compressible layer's input over the calibration set, streamed batch by
// batch (moments and histograms, never the stored inputs), so memory stays bounded however large
// the calibration set is.

#include "value_statistics.h"

#include <vector>

namespace bitlens {

class Model;
class Progress;
struct SampleSet;

struct ActivationStatistics {
    bool measured = false;          // false for integer inputs (embedding indices)
    ValueStatistics values;
    std::vector<double> channelAbsMax; // per channel: dimension 1 of conv inputs, the last of linear inputs
    double p99 = 0.0;               // percentiles of the values, from a 4,096-bin histogram
    double p999 = 0.0;
    double p9999 = 0.0;
};

// Two passes over `calibration` (moments and ranges, then histograms and tails). Threading:
// uses `model` exclusively while it runs. Throws Cancelled.
std::vector<ActivationStatistics> activationStatistics(Model& model, const SampleSet& calibration,
                                                       const StatisticsOptions& options, Progress& progress);

} // namespace bitlens
