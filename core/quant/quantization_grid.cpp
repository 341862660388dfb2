#include "quantization_grid.h"

#include "../io/minifloat.h"

#include <algorithm>
#include <cmath>

namespace bitlens {

std::pair<int64_t, int64_t> integerRange(int bits, bool symmetric)
{
    if (symmetric)
        return {-(int64_t(1) << (bits - 1)), (int64_t(1) << (bits - 1)) - 1};
    return {0, (int64_t(1) << bits) - 1};
}

Fp8Grid fp8Grid(NumberFormat format)
{
    // E4M3fn: 3 mantissa bits, normals from 2^-6, max 448. E5M2: 2 bits, from 2^-14, max 57344.
    if (format == NumberFormat::Fp8E4M3)
        return {3, -6, 448.0};
    return {2, -14, 57344.0};
}

std::vector<double> quantizationLevels(const WeightQuant& quant, double lo, double hi, size_t maxLevels)
{
    std::vector<double> levels;
    if (quant.format == NumberFormat::Fp8E4M3 || quant.format == NumberFormat::Fp8E5M2) {
        // Every finite bit pattern, decoded: the grid roundToFormat rounds to.
        std::vector<double> all;
        for (uint16_t bits = 0; bits < 256; ++bits) {
            const double v = decodeMinifloat(bits, quant.format);
            if (std::isfinite(v))
                all.push_back(v);
        }
        std::sort(all.begin(), all.end());
        all.erase(std::unique(all.begin(), all.end()), all.end());
        // The extreme weights may round outward, to the levels just beyond [lo, hi].
        auto first = std::upper_bound(all.begin(), all.end(), lo);
        auto last = std::lower_bound(all.begin(), all.end(), hi);
        if (first != all.begin())
            --first;
        if (last != all.end())
            ++last;
        levels.assign(first, last);
    } else if (quant.format == NumberFormat::Int) {
        const auto [qmin, qmax] = integerRange(quant.bits, quant.symmetric);
        if (static_cast<size_t>(qmax - qmin + 1) > maxLevels)
            return {};
        // The quantizer's conventions (PyTorch observers): the range always contains zero.
        lo = std::min(lo, 0.0);
        hi = std::max(hi, 0.0);
        double scale = quant.symmetric ? std::max(-lo, hi) / (double(qmax - qmin) / 2.0) : (hi - lo) / double(qmax - qmin);
        // Stored as fp16: 11 significant bits (scales sit in fp16's normal range), nearest-even.
        int exponent = 0;
        const double mantissa = std::frexp(scale, &exponent);
        scale = std::ldexp(std::nearbyint(std::ldexp(mantissa, 11)), exponent - 11);
        if (!(scale > 0))
            scale = 1.0;
        const int64_t zeroPoint = quant.symmetric ? 0 : std::clamp<int64_t>(qmin - std::llround(lo / scale), qmin, qmax);
        for (int64_t code = qmin; code <= qmax; ++code)
            levels.push_back(double(code - zeroPoint) * scale);
    }
    return levels.size() > maxLevels ? std::vector<double>{} : levels;
}

} // namespace bitlens
