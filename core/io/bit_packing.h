#pragma once
// Integer codes of any width 1..16 packed into a byte stream: code - qmin as an unsigned field,
// fields laid end to end, least significant bit first (bit k of the stream is bit k % 8 of byte
// k / 8). At 8 bits this is one byte per code; at 4 bits two codes per byte, the first in the
// low nibble. Plain C++ so readers in other tools can mirror it line for line.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bitlens {

// Codes must lie in [qmin, qmin + 2^bits - 1]; throws std::invalid_argument otherwise.
std::vector<uint8_t> packBits(const int32_t* codes, size_t count, int32_t qmin, int bits);
// Throws std::invalid_argument when `bytes` is too short for `count` codes.
std::vector<int32_t> unpackBits(const std::vector<uint8_t>& bytes, size_t count, int32_t qmin, int bits);

size_t packedBytes(size_t count, int bits);

} // namespace bitlens
