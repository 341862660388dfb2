#include "power_law.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace bitlens {

namespace {

// Scanning every distinct value is O(n²) in the KS step; beyond this many candidates we take an
// evenly spaced subset of them (by rank). Neighbouring candidates give nearly the same fit, so
// this changes xmin by a few ranks at most while keeping large spectra interactive.
constexpr size_t kMaxCandidates = 2000;

// Two-sided KS distance between the tail x[0..m) (sorted, x[0] == xmin) and the fitted CDF.
// Stops as soon as the distance reaches `bound`, since such a candidate cannot win.
double ksDistance(const double* logX, size_t m, double alpha, double bound)
{
    const double logXmin = logX[0];
    double d = 0.0;
    for (size_t k = 0; k < m; ++k) {
        const double fitted = 1.0 - std::exp(-(alpha - 1.0) * (logX[k] - logXmin));
        // The empirical CDF steps from k/m to (k+1)/m at x[k]; compare against both sides. Ties
        // need no special care: the extreme gaps of a run of equal values are at its ends.
        d = std::max({d, fitted - double(k) / double(m), double(k + 1) / double(m) - fitted});
        if (d >= bound)
            break;
    }
    return d;
}

} // namespace

PowerLawFit fitPowerLaw(std::vector<double> samples, int minTail)
{
    PowerLawFit best;
    samples.erase(std::remove_if(samples.begin(), samples.end(),
                                 [](double x) { return !(std::isfinite(x) && x > 0.0); }),
                  samples.end());
    // A single-sample tail has Σ ln(x/xmin) = 0, so alpha would be infinite.
    const size_t need = size_t(std::max(minTail, 2));
    const size_t n = samples.size();
    if (n < need)
        return best;
    std::sort(samples.begin(), samples.end());
    if (samples.front() == samples.back())
        return best;

    std::vector<double> logX(n);
    for (size_t i = 0; i < n; ++i)
        logX[i] = std::log(samples[i]);
    // Suffix sums make every candidate's alpha O(1). long double, because the tail sum is a
    // difference of two large sums and eigenvalues often span many orders of magnitude.
    std::vector<long double> suffixLog(n + 1, 0.0L);
    for (size_t i = n; i-- > 0;)
        suffixLog[i] = suffixLog[i + 1] + logX[i];

    std::vector<size_t> candidates;
    for (size_t i = 0; i + need <= n; ++i)
        if (i == 0 || samples[i] != samples[i - 1])
            candidates.push_back(i);
    if (candidates.size() > kMaxCandidates) {
        std::vector<size_t> subset(kMaxCandidates);
        for (size_t k = 0; k < kMaxCandidates; ++k)
            subset[k] = candidates[k * (candidates.size() - 1) / (kMaxCandidates - 1)];
        candidates.swap(subset);
    }

    for (const size_t start : candidates) {
        if (samples[start] == samples.back()) // the whole tail equals xmin: no exponent to fit
            continue;
        const size_t m = n - start;
        const long double logSum = suffixLog[start] - (long double)(m) * logX[start];
        if (!(logSum > 0.0L)) // values within an ulp of each other can round to equal logs
            continue;
        const double alpha = 1.0 + double((long double)(m) / logSum);
        const double bound = best.valid ? best.ksDistance : 2.0;
        const double d = ksDistance(logX.data() + start, m, alpha, bound);
        if (d < bound) {
            best.alpha = alpha;
            best.xmin = samples[start];
            best.ksDistance = d;
            best.tailCount = int64_t(m);
            best.valid = true;
        }
    }
    return best;
}

} // namespace bitlens
