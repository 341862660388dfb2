#include "minifloat.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace bitlens {
namespace {

struct Layout {
    int exponentBits;
    int mantissaBits;
    int bias;
};

Layout layoutOf(NumberFormat format)
{
    switch (format) {
    case NumberFormat::Float16: return {5, 10, 15};
    case NumberFormat::BFloat16: return {8, 7, 127};
    case NumberFormat::Fp8E4M3: return {4, 3, 7};
    case NumberFormat::Fp8E5M2: return {5, 2, 15};
    default: throw std::invalid_argument("minifloat: not a narrow float format");
    }
}

} // namespace

uint16_t encodeMinifloat(float value, NumberFormat format)
{
    const Layout l = layoutOf(format);
    const int signShift = l.exponentBits + l.mantissaBits;
    const uint16_t sign = std::signbit(value) ? uint16_t(1u << signShift) : 0;
    const double a = std::fabs(static_cast<double>(value));
    if (a == 0.0)
        return sign;
    int e = 0;
    const double fraction = std::frexp(a, &e); // a = fraction * 2^e, fraction in [0.5, 1)
    const int exponent = e - 1;                 // a = 1.m * 2^exponent
    const int minExponent = 1 - l.bias;
    uint32_t field = 0;
    uint32_t mantissa = 0;
    if (exponent < minExponent) { // subnormal: a = m * 2^(minExponent - mantissaBits)
        mantissa = static_cast<uint32_t>(std::ldexp(a, l.mantissaBits - minExponent));
    } else {
        field = static_cast<uint32_t>(exponent + l.bias);
        mantissa = static_cast<uint32_t>(std::ldexp(fraction * 2.0 - 1.0, l.mantissaBits));
    }
    return static_cast<uint16_t>(sign | (field << l.mantissaBits) | mantissa);
}

float decodeMinifloat(uint16_t bits, NumberFormat format)
{
    const Layout l = layoutOf(format);
    const bool negative = (bits >> (l.exponentBits + l.mantissaBits)) & 1u;
    const uint32_t field = (bits >> l.mantissaBits) & ((1u << l.exponentBits) - 1);
    const uint32_t mantissa = bits & ((1u << l.mantissaBits) - 1);
    const uint32_t allOnes = (1u << l.exponentBits) - 1;
    double a;
    if (field == 0) {
        a = std::ldexp(static_cast<double>(mantissa), 1 - l.bias - l.mantissaBits);
    } else if (field == allOnes && format != NumberFormat::Fp8E4M3) {
        a = mantissa == 0 ? INFINITY : NAN;
    } else if (format == NumberFormat::Fp8E4M3 && field == allOnes && mantissa == (1u << l.mantissaBits) - 1) {
        a = NAN;
    } else {
        a = std::ldexp(1.0 + std::ldexp(static_cast<double>(mantissa), -l.mantissaBits),
                       static_cast<int>(field) - l.bias);
    }
    return static_cast<float>(negative ? -a : a);
}

} // namespace bitlens
