#include "safetensors_writer.h"

#include "../errors.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace bitlens {
namespace {

torch::ScalarType scalarTypeOf(const std::string& dtype, const std::string& path)
{
    if (dtype == "F32")
        return torch::kFloat32;
    if (dtype == "F16")
        return torch::kHalf;
    if (dtype == "BF16")
        return torch::kBFloat16;
    throw Error(path + ": cannot write dtype '" + dtype + "' (F32, F16 and BF16 only)");
}

} // namespace

void writeSafetensors(const std::string& path, const std::vector<SafetensorsTensorSpec>& tensors,
                      const SafetensorsFiller& fill, const std::map<std::string, std::string>& metadata)
{
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const SafetensorsTensorSpec& t : tensors) {
        int64_t elements = 1;
        for (int64_t d : t.shape)
            elements *= d;
        const uint64_t bytes = uint64_t(elements) * uint64_t(torch::elementSize(scalarTypeOf(t.dtype, path)));
        header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');

    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const auto check = [&] {
        if (!out)
            throw Error(path + ": cannot write (" + std::strerror(errno) + ")");
    };
    check();
    unsigned char length[8];
    for (int i = 0; i < 8; ++i)
        length[i] = static_cast<unsigned char>(uint64_t(text.size()) >> (8 * i));
    out.write(reinterpret_cast<const char*>(length), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    check();
    for (size_t i = 0; i < tensors.size(); ++i) {
        torch::Tensor values = torch::empty(tensors[i].shape, torch::kFloat32);
        fill(i, values.data_ptr<float>());
        const torch::Tensor stored = values.to(scalarTypeOf(tensors[i].dtype, path)).contiguous();
        out.write(static_cast<const char*>(stored.data_ptr()), static_cast<std::streamsize>(stored.nbytes()));
        check();
    }
    out.close();
    check();
}

} // namespace bitlens
