#include "safetensors_file.h"

#include "../errors.h"
#include "../model/layer_info.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

namespace bitlens {
namespace {

using nlohmann::json;

// safetensors' own reader refuses larger headers; so does this one, before parsing megabytes.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// A dimension or element count beyond this cannot come from a real file (and would overflow).
constexpr int64_t kMaxElements = int64_t(1) << 50;

int dtypeBytes(const std::string& dtype)
{
    static const std::pair<const char*, int> sizes[] = {
        {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
        {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"F64", 8},     {"I64", 8}, {"U64", 8}};
    for (const auto& [name, bytes] : sizes)
        if (dtype == name)
            return bytes;
    return 0;
}

// Every IEEE binary16 pattern as float32, so conversion is one load per value.
const std::array<float, 65536>& halfTable()
{
    static const std::array<float, 65536> table = [] {
        std::array<float, 65536> t{};
        for (uint32_t h = 0; h < 65536; ++h) {
            const uint32_t sign = (h & 0x8000u) << 16;
            const uint32_t exponent = (h >> 10) & 0x1fu;
            const uint32_t mantissa = h & 0x3ffu;
            uint32_t bits = 0;
            if (exponent == 0x1f) { // infinity, NaN (payload kept)
                bits = sign | 0x7f800000u | (mantissa << 13);
            } else if (exponent == 0) { // zero or subnormal: mantissa · 2^-24, exact in float32
                const float v = std::ldexp(static_cast<float>(mantissa), -24);
                std::memcpy(&bits, &v, 4);
                bits |= sign;
            } else {
                bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
            }
            std::memcpy(&t[h], &bits, 4);
        }
        return t;
    }();
    return table;
}

// Little-endian 16-bit values at any alignment.
inline uint16_t load16(const unsigned char* p)
{
    return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

std::vector<int64_t> shapeOf(const json& entry, const std::string& where)
{
    const auto it = entry.find("shape");
    if (it == entry.end() || !it->is_array())
        throw Error(where + " has no shape array");
    std::vector<int64_t> shape;
    int64_t elements = 1;
    for (const json& d : *it) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0)
            throw Error(where + " has a shape entry that is not a non-negative integer");
        shape.push_back(d.get<int64_t>());
        if (shape.back() > kMaxElements || (shape.back() > 0 && elements > kMaxElements / shape.back()))
            throw Error(where + " has an impossibly large shape");
        elements *= shape.back();
    }
    return shape;
}

} // namespace

int64_t SafetensorsTensor::elements() const
{
    int64_t n = 1;
    for (int64_t d : shape)
        n *= d;
    return n;
}

bool SafetensorsTensor::convertible() const
{
    return dtype == "F32" || dtype == "F16" || dtype == "BF16";
}

bool isSafetensorsPath(const std::string& path)
{
    return std::filesystem::path(path).extension() == ".safetensors";
}

SafetensorsFile::SafetensorsFile(const std::string& path) : m_path(path)
{
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0)
        throw Error(path + ": cannot open (" + std::strerror(errno) + ")");
    try {
        struct stat st {};
        if (fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode))
            throw Error(path + ": cannot read (not a regular file)");
        m_size = static_cast<uint64_t>(st.st_size);
        if (m_size < 8)
            throw Error(path + ": truncated safetensors file (" + std::to_string(m_size)
                        + " bytes, fewer than the 8-byte header length)");
        void* map = mmap(nullptr, m_size, PROT_READ, MAP_SHARED, m_fd, 0);
        if (map == MAP_FAILED)
            throw Error(path + ": cannot map the file (" + std::strerror(errno) + ")");
        m_map = static_cast<unsigned char*>(map);

        uint64_t headerBytes = 0;
        for (int i = 7; i >= 0; --i)
            headerBytes = (headerBytes << 8) | m_map[i];
        if (headerBytes > m_size - 8)
            throw Error(path + ": the header length " + std::to_string(headerBytes) + " runs past the end of the file ("
                        + std::to_string(m_size) + " bytes; truncated, or not a safetensors file)");
        if (headerBytes > kMaxHeaderBytes)
            throw Error(path + ": the header length " + std::to_string(headerBytes) + " exceeds safetensors' 100 MB limit");
        m_dataStart = 8 + headerBytes;
        const uint64_t dataBytes = m_size - m_dataStart;

        json header;
        try {
            header = json::parse(m_map + 8, m_map + m_dataStart);
        } catch (const json::exception& e) {
            throw Error(path + ": the header is not valid JSON (" + e.what() + ")");
        }
        if (!header.is_object())
            throw Error(path + ": the header is not a JSON object");
        for (auto it = header.begin(); it != header.end(); ++it) {
            const std::string where = path + ": tensor '" + it.key() + "'";
            if (it.key() == "__metadata__") {
                if (!it->is_object())
                    throw Error(path + ": __metadata__ is not a JSON object");
                for (auto m = it->begin(); m != it->end(); ++m) {
                    if (!m->is_string())
                        throw Error(path + ": __metadata__ entry '" + m.key() + "' is not a string");
                    m_metadata[m.key()] = m->get<std::string>();
                }
                continue;
            }
            if (!it->is_object())
                throw Error(where + " is not described by a JSON object");
            SafetensorsTensor t;
            t.name = it.key();
            const auto dtype = it->find("dtype");
            if (dtype == it->end() || !dtype->is_string())
                throw Error(where + " has no dtype");
            t.dtype = dtype->get<std::string>();
            if (dtypeBytes(t.dtype) == 0)
                throw Error(where + " has the unknown dtype '" + t.dtype + "'");
            t.shape = shapeOf(*it, where);
            const auto offsets = it->find("data_offsets");
            if (offsets == it->end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned()
                || !(*offsets)[1].is_number_unsigned())
                throw Error(where + " has no data_offsets pair of non-negative integers");
            t.begin = (*offsets)[0].get<uint64_t>();
            t.end = (*offsets)[1].get<uint64_t>();
            if (t.end < t.begin)
                throw Error(where + " has data_offsets that end before they begin");
            if (t.end > dataBytes)
                throw Error(where + " ends at byte " + std::to_string(t.end) + " of the data, past its end ("
                            + std::to_string(dataBytes) + " bytes; the file is truncated)");
            const uint64_t expected = uint64_t(t.elements()) * uint64_t(dtypeBytes(t.dtype));
            if (t.end - t.begin != expected)
                throw Error(where + " spans " + std::to_string(t.end - t.begin) + " bytes, but shape ["
                            + shapeString(t.shape) + "] in " + t.dtype + " needs " + std::to_string(expected));
            m_tensors.push_back(std::move(t));
        }
        std::sort(m_tensors.begin(), m_tensors.end(), [](const SafetensorsTensor& a, const SafetensorsTensor& b) {
            return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
        });
        for (size_t i = 1; i < m_tensors.size(); ++i) {
            const SafetensorsTensor& a = m_tensors[i - 1];
            const SafetensorsTensor& b = m_tensors[i];
            if (b.begin < a.end && b.begin < b.end)
                throw Error(path + ": tensors '" + a.name + "' and '" + b.name + "' overlap in the data");
        }
        // Reading goes tensor by tensor through the file: let the kernel read ahead.
        madvise(m_map, m_size, MADV_SEQUENTIAL);
    } catch (...) {
        if (m_map)
            munmap(m_map, m_size);
        ::close(m_fd);
        throw;
    }
}

SafetensorsFile::~SafetensorsFile()
{
    munmap(m_map, m_size);
    ::close(m_fd);
}

const SafetensorsTensor* SafetensorsFile::find(const std::string& name) const
{
    for (const SafetensorsTensor& t : m_tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

int64_t SafetensorsFile::totalElements() const
{
    int64_t n = 0;
    for (const SafetensorsTensor& t : m_tensors)
        n += t.elements();
    return n;
}

const unsigned char* SafetensorsFile::dataOf(const SafetensorsTensor& tensor) const
{
    return m_map + m_dataStart + tensor.begin;
}

void SafetensorsFile::readFloat32(const SafetensorsTensor& tensor, float* out) const
{
    const unsigned char* p = dataOf(tensor);
    const size_t n = static_cast<size_t>(tensor.elements());
    if (tensor.dtype == "F32") {
        std::memcpy(out, p, n * 4); // the data need not be 4-byte aligned
    } else if (tensor.dtype == "BF16") {
        for (size_t i = 0; i < n; ++i) {
            const uint32_t bits = uint32_t(load16(p + 2 * i)) << 16;
            std::memcpy(out + i, &bits, 4);
        }
    } else if (tensor.dtype == "F16") {
        const std::array<float, 65536>& table = halfTable();
        for (size_t i = 0; i < n; ++i)
            out[i] = table[load16(p + 2 * i)];
    } else {
        throw Error(m_path + ": tensor '" + tensor.name + "' is " + tensor.dtype
                    + ", which BitLens cannot analyse (F32, F16 and BF16 only)");
    }
}

void SafetensorsFile::release(const SafetensorsTensor& tensor) const
{
    if (tensor.end == tensor.begin)
        return;
    const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const auto first = reinterpret_cast<uintptr_t>(dataOf(tensor)) & ~(page - 1);
    const auto last = reinterpret_cast<uintptr_t>(dataOf(tensor) + (tensor.end - tensor.begin));
    madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

} // namespace bitlens
