#include "bit_packing.h"

#include <stdexcept>
#include <string>

namespace bitlens {
namespace {

void checkWidth(int bits)
{
    if (bits < 1 || bits > 16)
        throw std::invalid_argument("bit packing: width " + std::to_string(bits) + " is outside 1..16");
}

} // namespace

size_t packedBytes(size_t count, int bits)
{
    return (count * static_cast<size_t>(bits) + 7) / 8;
}

std::vector<uint8_t> packBits(const int32_t* codes, size_t count, int32_t qmin, int bits)
{
    checkWidth(bits);
    const uint32_t limit = (uint32_t(1) << bits) - 1;
    std::vector<uint8_t> out(packedBytes(count, bits), 0);
    size_t bit = 0;
    for (size_t i = 0; i < count; ++i, bit += static_cast<size_t>(bits)) {
        const int64_t field = int64_t(codes[i]) - qmin;
        if (field < 0 || field > limit)
            throw std::invalid_argument("bit packing: code " + std::to_string(codes[i]) + " does not fit "
                                        + std::to_string(bits) + " bits above " + std::to_string(qmin));
        // A field of up to 16 bits spans at most three bytes.
        const uint32_t shifted = static_cast<uint32_t>(field) << (bit % 8);
        for (size_t b = bit / 8, s = 0; s < 24 && (shifted >> s) != 0; ++b, s += 8)
            out[b] |= static_cast<uint8_t>(shifted >> s);
    }
    return out;
}

std::vector<int32_t> unpackBits(const std::vector<uint8_t>& bytes, size_t count, int32_t qmin, int bits)
{
    checkWidth(bits);
    if (bytes.size() < packedBytes(count, bits))
        throw std::invalid_argument("bit packing: " + std::to_string(bytes.size()) + " bytes cannot hold "
                                    + std::to_string(count) + " codes of " + std::to_string(bits) + " bits");
    const uint32_t mask = (uint32_t(1) << bits) - 1;
    std::vector<int32_t> out(count);
    size_t bit = 0;
    for (size_t i = 0; i < count; ++i, bit += static_cast<size_t>(bits)) {
        uint32_t window = 0;
        for (size_t b = bit / 8, s = 0; s < 24 && b < bytes.size(); ++b, s += 8)
            window |= uint32_t(bytes[b]) << s;
        out[i] = static_cast<int32_t>((window >> (bit % 8)) & mask) + qmin;
    }
    return out;
}

} // namespace bitlens
