#pragma once
// Writes safetensors files (header JSON + raw tensors) from values produced one tensor at a time,
// so tests and benchmarks can make checkpoints of any size, larger than memory included.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bitlens {

struct SafetensorsTensorSpec {
    std::string name;
    std::string dtype;          // "F32", "F16" or "BF16"
    std::vector<int64_t> shape;
};

// Fills tensor `index`'s values (row-major, as many as its shape holds) in float32.
using SafetensorsFiller = std::function<void(size_t index, float* values)>;

// Writes `path` directly: the header (tensors in the given order, padded with spaces to a multiple
// of 8 bytes as safetensors' own writer does), then each tensor, converted from float32 with
// round-to-nearest-even. Holds one tensor at a time. Throws Error naming `path` and the cause
// (an unwritable file, a dtype other than the three).
void writeSafetensors(const std::string& path, const std::vector<SafetensorsTensorSpec>& tensors,
                      const SafetensorsFiller& fill, const std::map<std::string, std::string>& metadata = {});

} // namespace bitlens
