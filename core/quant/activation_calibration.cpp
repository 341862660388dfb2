#include "activation_calibration.h"

#include "../data/sample_set.h"
#include "../model/layer_inputs.h"
#include "../progress.h"
#include "input_transform.h"
#include "weight_quantizer.h"

#include <cmath>

namespace bitlens {
namespace {

ActivationEncoding affineEncoding(double lo, double hi, int bits)
{
    ActivationEncoding e;
    e.enabled = true;
    e.format = NumberFormat::Int;
    e.bits = bits;
    std::tie(e.qmin, e.qmax) = integerRange(bits, /*symmetric=*/false);
    e.min = std::min(lo, 0.0);
    e.max = std::max(hi, 0.0);
    e.scale = (e.max - e.min) / static_cast<double>(e.qmax - e.qmin);
    if (!(e.scale > 0))
        e.scale = 1.0;
    e.zeroPoint = std::clamp<int64_t>(e.qmin - std::llround(e.min / e.scale), e.qmin, e.qmax);
    return e;
}

} // namespace

double histogramSquaredError(const ActivationHistogram& h, const ActivationEncoding& e)
{
    const double width = (h.max - h.min) / static_cast<double>(h.counts.size());
    const torch::Tensor centres = h.min + (torch::arange(static_cast<int64_t>(h.counts.size()), torch::kFloat64) + 0.5) * width;
    torch::Tensor quantized;
    if (e.format == NumberFormat::Int) {
        const torch::Tensor q = (torch::round(centres / e.scale) + static_cast<double>(e.zeroPoint))
                                    .clamp(static_cast<double>(e.qmin), static_cast<double>(e.qmax));
        quantized = (q - static_cast<double>(e.zeroPoint)) * e.scale;
    } else {
        quantized = roundToFormat(centres.to(torch::kFloat32), e.format).to(torch::kFloat64);
    }
    const torch::Tensor counts = torch::tensor(h.counts, torch::kFloat64);
    return (counts * (quantized - centres).square()).sum().item<double>();
}

const std::vector<ActivationHistogram>& cachedActivationHistograms(Model& model, const SampleSet& calibration,
                                                                   Progress& progress)
{
    Model::Impl& m = model.impl();
    const std::string key = calibration.cacheKey();
    if (m.histogramKey != key) {
        m.histograms = collectActivationHistograms(model, calibration, progress);
        m.histogramKey = key;
    }
    return m.histograms;
}

double ActivationHistogram::percentile(double p) const
{
    if (counts.empty() || values == 0)
        return min;
    const double target = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(values);
    const double width = (max - min) / static_cast<double>(counts.size());
    double seen = 0.0;
    for (size_t i = 0; i < counts.size(); ++i) {
        if (seen + counts[i] >= target && counts[i] > 0)
            return min + width * (static_cast<double>(i) + (target - seen) / counts[i]);
        seen += counts[i];
    }
    return max;
}

std::vector<ActivationHistogram> collectActivationHistograms(Model& model, const SampleSet& calibration,
                                                             Progress& progress, int bins,
                                                             const std::vector<InputTransform>* transforms)
{
    Model::Impl& m = model.impl();
    auto transformed = [&](size_t layer, const torch::Tensor& x) {
        if (!transforms || (*transforms)[layer].identity() || !x.is_floating_point())
            return x;
        return (*transforms)[layer].applyToInput(x, inputChannelDim(m.layers[layer].kind, x.dim()));
    };
    std::vector<ActivationHistogram> hist(m.layers.size());
    std::vector<bool> seen(m.layers.size(), false);
    forEachLayerInput(m, calibration, progress, 0.0, 0.5, "Activation ranges", [&](size_t layer, const torch::Tensor& input) {
        const torch::Tensor x = transformed(layer, input);
        ActivationHistogram& h = hist[layer];
        if (!x.is_floating_point()) {
            h.quantizable = false;
            return;
        }
        const double lo = x.min().item<double>();
        const double hi = x.max().item<double>();
        h.min = seen[layer] ? std::min(h.min, lo) : lo;
        h.max = seen[layer] ? std::max(h.max, hi) : hi;
        seen[layer] = true;
    });
    for (ActivationHistogram& h : hist) {
        h.counts.assign(static_cast<size_t>(bins), 0.0);
        if (h.max <= h.min)
            h.max = h.min + 1e-12; // a constant input: one non-empty bin
    }
    forEachLayerInput(m, calibration, progress, 0.5, 1.0, "Activation histograms", [&](size_t layer, const torch::Tensor& input) {
        ActivationHistogram& h = hist[layer];
        if (!h.quantizable)
            return;
        const torch::Tensor x = transformed(layer, input);
        const torch::Tensor counts = torch::histc(x.to(torch::kFloat32), bins, h.min, h.max).to(torch::kFloat64);
        const double* c = counts.data_ptr<double>();
        for (int b = 0; b < bins; ++b)
            h.counts[static_cast<size_t>(b)] += c[b];
        h.values += x.numel();
    });
    return hist;
}

ActivationEncoding encodeActivation(const ActivationHistogram& h, const ActivationQuant& quant)
{
    if (quant.format == NumberFormat::Float32 || !h.quantizable || h.values == 0)
        return {}; // nothing seen (a layer never called): no range to encode
    if (quant.format != NumberFormat::Int) {
        ActivationEncoding e;
        e.enabled = true;
        e.format = quant.format;
        e.bits = formatBits(quant.format);
        e.min = h.min;
        e.max = h.max;
        return e;
    }
    switch (quant.range) {
    case ActivationRange::MinMax: return affineEncoding(h.min, h.max, quant.bits);
    case ActivationRange::Percentile:
        return affineEncoding(h.percentile(100.0 - quant.percentile), h.percentile(quant.percentile), quant.bits);
    case ActivationRange::Mse: {
        ActivationEncoding best = affineEncoding(h.min, h.max, quant.bits);
        double bestError = histogramSquaredError(h, best);
        for (int k = 1; k < 32; ++k) {
            const double ratio = 1.0 - 0.025 * k;
            const ActivationEncoding e = affineEncoding(h.min * ratio, h.max * ratio, quant.bits);
            if (const double error = histogramSquaredError(h, e); error < bestError) {
                best = e;
                bestError = error;
            }
        }
        return best;
    }
    }
    return {};
}

} // namespace bitlens
