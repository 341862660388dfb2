#pragma once
// core-internal: one tensor of a safetensors file as a float32 LibTorch tensor of its shape, its
// mapped pages released once copied, which is how the weight-only analysis and the packed export
// stream a checkpoint.

#include "safetensors_file.h"

namespace bitlens {

// Throws Error naming the file and the tensor when its dtype is not convertible().
inline torch::Tensor readFloat32Tensor(const SafetensorsFile& file, const SafetensorsTensor& tensor)
{
    torch::Tensor values = torch::empty(tensor.shape, torch::kFloat32);
    file.readFloat32(tensor, values.data_ptr<float>());
    file.release(tensor);
    return values;
}

} // namespace bitlens
