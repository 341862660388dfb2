#pragma once
// Ranges of each layer's input, calibrated on the calibration set: histograms collected once from
// the FP32 model, then turned into a per-tensor encoding for any ActivationQuant.

#include "layer_option.h"

#include <cstdint>
#include <vector>

namespace bitlens {

class Model;
class Progress;
struct SampleSet;
struct InputTransform;

// Ownership: plain value. One per layer, over every value the layer's input took.
struct ActivationHistogram {
    double min = 0.0;
    double max = 0.0;
    std::vector<double> counts; // equal bins over [min, max]
    int64_t values = 0;
    bool quantizable = true;    // false for integer inputs (embedding indices)

    double percentile(double p) const; // p in [0, 100], interpolated inside a bin
};

struct ActivationEncoding {
    bool enabled = false;       // false: the input stays float32
    NumberFormat format = NumberFormat::Float32;
    int bits = 32;
    double min = 0.0;           // the clipped range, containing 0 for Int
    double max = 0.0;
    double scale = 1.0;         // Int only
    int64_t zeroPoint = 0;
    int64_t qmin = 0;
    int64_t qmax = 0;
};

// Runs the calibration set through the model twice (ranges, then histograms of `bins` bins).
// `transforms` (one per layer, or null): histograms of T·x, the input a method's transform makes.
// Threading: uses `model` exclusively while it runs. Throws Cancelled.
std::vector<ActivationHistogram> collectActivationHistograms(Model& model, const SampleSet& calibration,
                                                             Progress& progress, int bins = 2048,
                                                             const std::vector<InputTransform>* transforms = nullptr);

// Expected squared error, summed over the histogram's values (each at its bin's centre), of
// quantizing them with `e`: integer encodings and the float formats alike.
double histogramSquaredError(const ActivationHistogram& histogram, const ActivationEncoding& e);

// collectActivationHistograms, cached in the model: the histograms depend only on the FP32
// model and the calibration samples, so every plan and analysis on one calibration set shares them.
const std::vector<ActivationHistogram>& cachedActivationHistograms(Model& model, const SampleSet& calibration,
                                                                   Progress& progress);

// Per-tensor asymmetric encoding: min-max, a two-sided percentile, or the clip range whose
// expected squared error over the histogram is smallest.
ActivationEncoding encodeActivation(const ActivationHistogram& histogram, const ActivationQuant& quant);

} // namespace bitlens
