#pragma once
// Power-law fit of a layer's empirical spectral density, the "alpha" WeightWatcher reports: the
// samples are the eigenvalues of WᵀW (squared singular values). Heavy-tailed spectra (small alpha)
// mark well-trained layers; large alpha marks layers that learned little. Plain C++ so that views,
// the CLI and tests use it without LibTorch or Qt.

#include <cstdint>
#include <vector>

namespace bitlens {

struct PowerLawFit {
    double alpha = 0.0;      // exponent of p(x) ~ x^-alpha for x >= xmin
    double xmin = 0.0;       // chosen by the smallest Kolmogorov-Smirnov distance
    double ksDistance = 0.0;
    int64_t tailCount = 0;   // samples >= xmin used in the fit
    bool valid = false;      // false when fewer than `minTail` samples or all equal
};

// Continuous maximum-likelihood fit (Clauset, Shalizi & Newman 2009): for each candidate xmin among
// the distinct sample values that leave at least minTail samples in the tail,
// alpha = 1 + n / Σ ln(x_i / xmin) over x_i >= xmin; keep the xmin whose fitted CDF
// 1 - (x/xmin)^(1-alpha) is closest, in KS distance, to the tail's empirical CDF.
// Non-positive and non-finite samples are ignored. minTail is raised to at least 2.
PowerLawFit fitPowerLaw(std::vector<double> samples, int minTail = 10);

} // namespace bitlens
