#include "compute_device.h"

#include "errors.h"

#include <torch/cuda.h>

#include <cstdlib>

namespace bitlens {

template <>
const std::vector<EnumName<Precision>>& nameTable<Precision>()
{
    static const std::vector<EnumName<Precision>> table{
        {Precision::Fp32, "fp32"}, {Precision::Tf32, "tf32"}, {Precision::Bf16, "bf16"}};
    return table;
}

std::string nameOf(const ComputeDevice& device)
{
    return device.cuda ? "cuda:" + std::to_string(device.index) : "cpu";
}

int cudaDeviceCount() { return int(torch::cuda::device_count()); }

ComputeDevice deviceFromName(const std::string& text)
{
    if (text == "cpu")
        return {};
    ComputeDevice d;
    d.cuda = true;
    if (text.rfind("cuda:", 0) == 0) {
        char* end = nullptr;
        const long index = std::strtol(text.c_str() + 5, &end, 10);
        if (end == text.c_str() + 5 || *end != '\0' || index < 0)
            throw Error("the device '" + text + "' is not cpu, cuda or cuda:N");
        d.index = int(index);
    } else if (text != "cuda") {
        throw Error("the device '" + text + "' is not cpu, cuda or cuda:N");
    }
    const int count = cudaDeviceCount();
    if (count == 0)
        throw Error("the device " + text + " was asked for, but this BitLens is built against a LibTorch without CUDA "
                    "(build it with -DBITLENS_LIBTORCH=… of a PyTorch with CUDA)");
    if (d.index >= count)
        throw Error("the device " + text + " was asked for, but LibTorch sees " + std::to_string(count)
                    + " CUDA device" + (count == 1 ? "" : "s"));
    return d;
}

} // namespace bitlens
