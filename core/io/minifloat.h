#pragma once
// Bit patterns of the narrow float formats a packed file stores: IEEE fp16, bfloat16, and fp8
// E4M3 ("fn": no infinities, max 448) and E5M2. Encoding expects values already rounded to the
// format (roundToFormat), so it is exact; decoding is exact for every pattern but NaN.

#include "../quant/layer_option.h"

#include <cstdint>

namespace bitlens {

uint16_t encodeMinifloat(float value, NumberFormat format); // fp16/bf16: 16 bits; fp8: low 8 bits
float decodeMinifloat(uint16_t bits, NumberFormat format);

} // namespace bitlens
