#include "activation_statistics.h"

#include "../data/sample_set.h"
#include "../model/layer_inputs.h"
#include "../progress.h"
#include "../quant/activation_calibration.h"

#include <cmath>

namespace bitlens {
namespace {

constexpr int kPercentileBins = 4096;

// Power sums about a shift (the first batch's mean): central moments from them stay accurate
// when the mean is large against the spread.
struct Moments {
    bool started = false;
    double shift = 0.0;
    double s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0;
    int64_t n = 0;
    double min = 0.0, max = 0.0;
};

int channelDimension(LayerKind kind, const torch::Tensor& x)
{
    const bool conv = kind == LayerKind::Conv1d || kind == LayerKind::Conv2d;
    return conv && x.dim() >= 2 ? 1 : static_cast<int>(x.dim()) - 1;
}

} // namespace

std::vector<ActivationStatistics> activationStatistics(Model& model, const SampleSet& calibration,
                                                       const StatisticsOptions& options, Progress& progress)
{
    Model::Impl& m = model.impl();
    const size_t layers = m.layers.size();
    std::vector<ActivationStatistics> out(layers);
    std::vector<Moments> moments(layers);
    forEachLayerInput(m, calibration, progress, 0.0, 0.5, "Input moments", [&](size_t l, const torch::Tensor& x) {
        if (!x.is_floating_point())
            return;
        Moments& mo = moments[l];
        const torch::Tensor xd = x.to(torch::kFloat64);
        if (!mo.started) {
            mo.shift = xd.mean().item<double>();
            mo.min = xd.min().item<double>();
            mo.max = xd.max().item<double>();
            mo.started = true;
        }
        const torch::Tensor d = xd - mo.shift;
        const torch::Tensor d2 = d * d;
        mo.s1 += d.sum().item<double>();
        mo.s2 += d2.sum().item<double>();
        mo.s3 += (d2 * d).sum().item<double>();
        mo.s4 += (d2 * d2).sum().item<double>();
        mo.n += x.numel();
        mo.min = std::min(mo.min, xd.min().item<double>());
        mo.max = std::max(mo.max, xd.max().item<double>());
        const int c = channelDimension(m.layers[l].kind, x);
        std::vector<int64_t> others;
        for (int64_t d = 0; d < x.dim(); ++d)
            if (d != c)
                others.push_back(d);
        const torch::Tensor amax = x.abs().amax(others).to(torch::kFloat64).contiguous();
        std::vector<double>& channels = out[l].channelAbsMax;
        channels.resize(size_t(amax.numel()), 0.0);
        for (int64_t k = 0; k < amax.numel(); ++k)
            channels[size_t(k)] = std::max(channels[size_t(k)], amax.data_ptr<double>()[k]);
    });

    std::vector<ActivationHistogram> fine(layers);
    for (size_t l = 0; l < layers; ++l) {
        const Moments& mo = moments[l];
        ActivationStatistics& a = out[l];
        if (!mo.started || mo.n == 0)
            continue;
        a.measured = true;
        ValueStatistics& v = a.values;
        const double n = double(mo.n);
        const double e1 = mo.s1 / n, e2 = mo.s2 / n, e3 = mo.s3 / n, e4 = mo.s4 / n;
        const double m2 = std::max(0.0, e2 - e1 * e1);
        const double m4 = e4 - 4 * e1 * e3 + 6 * e1 * e1 * e2 - 3 * e1 * e1 * e1 * e1;
        v.count = mo.n;
        v.mean = mo.shift + e1;
        v.std = std::sqrt(m2);
        v.kurtosis = m2 > 0 ? m4 / (m2 * m2) - 3.0 : 0.0;
        v.min = mo.min;
        v.max = mo.max;
        v.absMax = std::max(std::abs(mo.min), std::abs(mo.max));
        v.absMaxOverStd = v.std > 0 ? v.absMax / v.std : 0.0;
        v.beyondSigma.assign(options.sigmaMultiples.size(), 0.0);
        const int bins = histogramBins(mo.n, options.maxBins);
        v.histogram.counts.assign(size_t(bins), 0);
        for (int b = 0; b <= bins; ++b)
            v.histogram.edges.push_back(mo.min + (mo.max - mo.min) * b / bins);
        fine[l].min = mo.min;
        fine[l].max = mo.max > mo.min ? mo.max : mo.min + 1e-12;
        fine[l].counts.assign(kPercentileBins, 0.0);
        fine[l].values = mo.n;
    }

    forEachLayerInput(m, calibration, progress, 0.5, 1.0, "Input histograms", [&](size_t l, const torch::Tensor& x) {
        ActivationStatistics& a = out[l];
        if (!a.measured)
            return;
        ValueStatistics& v = a.values;
        const torch::Tensor xf = x.to(torch::kFloat32);
        // histc needs a non-empty range; a constant input lands in the first bin.
        const double hi = v.max > v.min ? v.max : v.min + 1e-12;
        const torch::Tensor coarse = torch::histc(xf, int64_t(v.histogram.counts.size()), v.min, hi).to(torch::kInt64).contiguous();
        for (size_t b = 0; b < v.histogram.counts.size(); ++b)
            v.histogram.counts[b] += coarse.data_ptr<int64_t>()[b];
        const torch::Tensor counts = torch::histc(xf, kPercentileBins, v.min, hi).to(torch::kFloat64).contiguous();
        for (int b = 0; b < kPercentileBins; ++b)
            fine[l].counts[size_t(b)] += counts.data_ptr<double>()[b];
        const torch::Tensor deviation = (x.to(torch::kFloat64) - v.mean).abs();
        for (size_t k = 0; k < options.sigmaMultiples.size(); ++k)
            v.beyondSigma[k] += (deviation > options.sigmaMultiples[k] * v.std).sum().item<double>();
    });
    for (size_t l = 0; l < layers; ++l) {
        ActivationStatistics& a = out[l];
        if (!a.measured)
            continue;
        for (double& f : a.values.beyondSigma)
            f /= double(a.values.count);
        a.p99 = fine[l].percentile(99.0);
        a.p999 = fine[l].percentile(99.9);
        a.p9999 = fine[l].percentile(99.99);
    }
    return out;
}

} // namespace bitlens
