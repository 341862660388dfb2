#pragma once
// A safetensors checkpoint opened without loading it: an 8-byte little-endian header length, a
// JSON header ({"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {…}}) and the raw
// tensors, memory-mapped read-only. One tensor at a time is converted to float32 and its pages
// then released, so resident memory follows the largest tensor, not the file.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bitlens {

struct SafetensorsTensor {
    std::string name;
    std::string dtype;           // as written: "F32", "F16", "BF16", "I8", …
    std::vector<int64_t> shape;  // [] for a scalar
    uint64_t begin = 0;          // byte offsets into the data that follows the header
    uint64_t end = 0;

    int64_t elements() const;    // the product of shape (1 for a scalar)
    bool convertible() const;    // F32, F16 or BF16: the dtypes readFloat32 takes
};

// Whether `path` names a safetensors file (by its extension: the format has no magic number).
bool isSafetensorsPath(const std::string& path);

// Ownership: owns the mapping and the descriptor. Threading: readFloat32 and release may run on
// any thread; the object itself is immutable after construction.
class SafetensorsFile {
public:
    // Checks the whole header: the length against the file, the JSON, every dtype, shape and
    // data_offsets (within the data, no overlap, end − begin = elements × dtype size). Throws
    // Error naming `path` and the cause.
    explicit SafetensorsFile(const std::string& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return m_path; }
    uint64_t fileBytes() const { return m_size; }
    const std::vector<SafetensorsTensor>& tensors() const { return m_tensors; } // in data order
    const std::map<std::string, std::string>& metadata() const { return m_metadata; }
    const SafetensorsTensor* find(const std::string& name) const; // nullptr when absent
    int64_t totalElements() const; // every tensor's, whatever its dtype

    // Writes the tensor's elements(), converted exactly to float32 (NaN payloads aside), to `out`.
    // Throws Error naming the file and the tensor when its dtype is not convertible().
    void readFloat32(const SafetensorsTensor& tensor, float* out) const;
    // Drops the tensor's pages from this process's resident set (madvise MADV_DONTNEED; the
    // kernel's page cache may keep them, but they no longer count against the process).
    void release(const SafetensorsTensor& tensor) const;

private:
    const unsigned char* dataOf(const SafetensorsTensor& tensor) const;

    std::string m_path;
    int m_fd = -1;
    unsigned char* m_map = nullptr;
    uint64_t m_size = 0;
    uint64_t m_dataStart = 0; // 8 + header length
    std::vector<SafetensorsTensor> m_tensors;
    std::map<std::string, std::string> m_metadata;
};

} // namespace bitlens
