#pragma once
// Where forward passes and Hessian-vector products run, and in what precision: one typed value
// with one name table each, read from --device / --precision. Reductions, Lanczos vectors,
// tridiagonals and running sums stay float64 whatever is chosen (a layer's vectors on the device,
// the whole model's and the tridiagonals on the CPU).

#include "quant/layer_option.h" // EnumName, nameOf, enumFromName

#include <string>

namespace bitlens {

enum class Precision {
    Fp32, // float32 throughout
    Tf32, // float32 storage, TensorFloat-32 matrix products (CUDA; the same as fp32 on the CPU)
    Bf16, // weights and activations in bfloat16, logits and losses in float32
};

struct ComputeDevice {
    bool cuda = false;
    int index = 0; // the CUDA device

    bool operator==(const ComputeDevice& o) const { return cuda == o.cuda && index == o.index; }
};

struct ComputeOptions {
    ComputeDevice device;
    Precision precision = Precision::Fp32;
    bool onCpuInFp32() const { return !device.cuda && precision != Precision::Bf16; }
};

// "cpu", "cuda:0".
std::string nameOf(const ComputeDevice& device);
// "cpu", "cuda" (device 0) or "cuda:N". Throws Error naming what is accepted, and that this
// LibTorch has no CUDA or how many devices it sees when a CUDA device is asked for and missing.
ComputeDevice deviceFromName(const std::string& text);
// The CUDA devices this LibTorch sees (0 for a CPU build such as Debian's).
int cudaDeviceCount();

} // namespace bitlens
