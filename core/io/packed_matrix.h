#pragma once
// core-internal: one matrix group of the packed-weights file (weights.h5): written from what the
// quantizer made, read back by the formulas README documents ("Packed weights").

#include "../quant/weight_quantizer.h"
#include "packed_weights.h"

#include <H5Cpp.h>

#include <string>
#include <vector>

namespace bitlens {

// IEEE binary16 described to HDF5, so any HDF5 reader (h5py: numpy float16) decodes scales and
// fp16 values without knowing BitLens.
H5::FloatType halfType();

template <typename T>
std::vector<T> tensorValues(const torch::Tensor& t)
{
    const torch::Tensor c = t.contiguous();
    return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
}

// A group `name` with rows, cols, format, bits and the datasets its format needs; `q` null: the
// float32 `values` as they are.
void writeMatrix(H5::Group& parent, const std::string& name, const torch::Tensor& values, const QuantizedMatrix* q,
                 const WeightQuant& w);

// Throws Error naming the matrix and what is wrong with it; sizes are checked before anything is
// allocated or indexed with them.
PackedMatrix readMatrix(const H5::Group& parent, const std::string& name);

} // namespace bitlens
