#include "value_statistics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace bitlens {

std::string beyondSigmaName(double k)
{
    char buf[48];
    std::snprintf(buf, sizeof buf, "outlier_frac_%gsigma", k);
    return buf;
}

int histogramBins(int64_t count, int maxBins)
{
    return std::clamp(static_cast<int>(std::sqrt(double(count))), 32, std::max(32, maxBins));
}

ValueStatistics valueStatistics(const float* values, size_t count, const StatisticsOptions& options)
{
    ValueStatistics s;
    s.count = static_cast<int64_t>(count);
    s.beyondSigma.assign(options.sigmaMultiples.size(), 0.0);
    if (count == 0)
        return s;
    // Two passes in float64: the mean first, then central moments, which stay accurate for
    // weights whose mean is tiny against their spread.
    double sum = 0.0;
    s.min = s.max = values[0];
    for (size_t i = 0; i < count; ++i) {
        sum += values[i];
        s.min = std::min<double>(s.min, values[i]);
        s.max = std::max<double>(s.max, values[i]);
    }
    s.mean = sum / double(count);
    double m2 = 0.0;
    double m4 = 0.0;
    for (size_t i = 0; i < count; ++i) {
        const double d = values[i] - s.mean;
        m2 += d * d;
        m4 += d * d * d * d;
    }
    m2 /= double(count);
    m4 /= double(count);
    s.std = std::sqrt(m2);
    s.kurtosis = m2 > 0 ? m4 / (m2 * m2) - 3.0 : 0.0;
    s.absMax = std::max(std::abs(s.min), std::abs(s.max));
    s.absMaxOverStd = s.std > 0 ? s.absMax / s.std : 0.0;

    const int bins = histogramBins(s.count, options.maxBins);
    s.histogram.counts.assign(size_t(bins), 0);
    s.histogram.edges.resize(size_t(bins) + 1);
    const double width = (s.max - s.min) / bins;
    for (int b = 0; b <= bins; ++b)
        s.histogram.edges[size_t(b)] = s.min + width * b;
    s.histogram.edges.back() = s.max;
    for (size_t i = 0; i < count; ++i) {
        // Clamped in double first: a NaN or infinite weight (a diverged model) must not index.
        const double position = width > 0 ? (values[i] - s.min) / width : 0.0;
        const int b = std::isfinite(position) ? static_cast<int>(std::clamp(position, 0.0, double(bins - 1))) : 0;
        ++s.histogram.counts[size_t(b)];
        const double deviation = std::abs(values[i] - s.mean);
        for (size_t k = 0; k < options.sigmaMultiples.size(); ++k)
            if (deviation > options.sigmaMultiples[k] * s.std)
                s.beyondSigma[k] += 1.0;
    }
    for (double& f : s.beyondSigma)
        f /= double(count);
    return s;
}

WeightStatistics weightStatistics(const float* weight, const std::vector<int64_t>& shape, const StatisticsOptions& options)
{
    WeightStatistics w;
    const int64_t out = shape.empty() ? 0 : shape[0];
    const int64_t in = shape.size() > 1 ? shape[1] : 1;
    int64_t window = 1;
    for (size_t d = 2; d < shape.size(); ++d)
        window *= shape[d];
    const int64_t total = out * in * window;
    w.values = valueStatistics(weight, size_t(total), options);
    w.outputAbsMax.assign(size_t(out), 0.0);
    w.outputMin.assign(size_t(out), 0.0);
    w.outputMax.assign(size_t(out), 0.0);
    w.inputAbsMax.assign(size_t(in), 0.0);
    for (int64_t o = 0; o < out; ++o) {
        const float* row = weight + o * in * window;
        const auto [lo, hi] = std::minmax_element(row, row + in * window);
        w.outputMin[size_t(o)] = *lo;
        w.outputMax[size_t(o)] = *hi;
        w.outputAbsMax[size_t(o)] = std::max(std::abs(double(*lo)), std::abs(double(*hi)));
        for (int64_t c = 0; c < in; ++c)
            for (int64_t k = 0; k < window; ++k)
                w.inputAbsMax[size_t(c)] = std::max(w.inputAbsMax[size_t(c)], std::abs(double(row[c * window + k])));
    }
    if (out > 0) {
        std::vector<double> sorted = w.outputAbsMax;
        std::nth_element(sorted.begin(), sorted.begin() + out / 2, sorted.end());
        const double median = sorted[size_t(out / 2)];
        for (int64_t o = 0; o < out; ++o)
            if (w.outputAbsMax[size_t(o)] > options.outlierFactor * median)
                w.outlierChannels.push_back(o);
    }
    return w;
}

} // namespace bitlens
