#include "spectral_density.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace bitlens {

SpectralDensity spectralDensity(const std::vector<QuadratureRule>& runs, int points, double relativeSigma)
{
    SpectralDensity out;
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (const QuadratureRule& r : runs) {
        for (double x : r.nodes) {
            lo = std::min(lo, x);
            hi = std::max(hi, x);
        }
    }
    if (runs.empty() || points < 2 || !std::isfinite(lo) || !std::isfinite(hi))
        return out;
    const double width = hi > lo ? hi - lo : std::max(std::abs(hi), 1e-12);
    const double sigma = relativeSigma * width;
    const double first = lo - 4 * sigma;
    const double step = (hi - lo + 8 * sigma) / double(points - 1);
    out.grid.resize(size_t(points));
    out.density.assign(size_t(points), 0.0);
    const double norm = 1.0 / (sigma * std::sqrt(2 * M_PI) * double(runs.size()));
    for (int p = 0; p < points; ++p) {
        const double x = first + step * p;
        out.grid[size_t(p)] = x;
        double sum = 0.0;
        for (const QuadratureRule& r : runs) {
            for (size_t k = 0; k < r.nodes.size(); ++k) {
                const double z = (x - r.nodes[k]) / sigma;
                sum += r.weights[k] * std::exp(-0.5 * z * z);
            }
        }
        out.density[size_t(p)] = sum * norm;
    }
    return out;
}

} // namespace bitlens
