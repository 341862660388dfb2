#include "idx_reader.h"

#include "../errors.h"
#include "../size_guard.h"

#include <zlib.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace bitlens {
namespace {

constexpr uint8_t kUnsignedByte = 0x08;
constexpr uint8_t kFloat32 = 0x0D;

struct GzCloser {
    void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// zlib reads raw files transparently, so one path serves .gz and plain IDX files.
class IdxFile {
public:
    explicit IdxFile(std::string path) : m_path(std::move(path))
    {
        if (!std::filesystem::exists(m_path))
            throw DatasetError(m_path + ": file not found");
        m_file.reset(gzopen(m_path.c_str(), "rb"));
        if (!m_file)
            throw DatasetError(m_path + ": cannot open for reading");
        gzbuffer(m_file.get(), 1 << 18);
    }

    const std::string& path() const { return m_path; }

    // Reads exactly n bytes or throws, naming what was being read.
    void read(void* into, size_t n, const char* what) { fill(static_cast<uint8_t*>(into), 0, n, n, what); }

    // Like read, but `out` grows as data arrives, so a corrupt header claiming more than the file
    // holds ends in "truncated" rather than in an allocation that fails or exhausts memory.
    void read(std::vector<uint8_t>& out, size_t n, const char* what)
    {
        out.clear();
        while (out.size() < n) {
            const size_t done = out.size();
            out.resize(std::min(n, done + (size_t(64) << 20)));
            fill(out.data() + done, done, out.size(), n, what);
        }
    }

    bool atEnd()
    {
        uint8_t b;
        return gzread(m_file.get(), &b, 1) == 0;
    }

private:
    // Reads bytes [begin, end) of an item `total` bytes long into out.
    void fill(uint8_t* out, size_t begin, size_t end, size_t total, const char* what)
    {
        size_t done = begin;
        while (done < end) {
            const unsigned chunk = static_cast<unsigned>(std::min<size_t>(end - done, 1u << 30));
            const int got = gzread(m_file.get(), out + (done - begin), chunk);
            if (got < 0) {
                int code = 0;
                const char* msg = gzerror(m_file.get(), &code);
                throw DatasetError(m_path + ": corrupt compressed data while reading the " + what
                                   + " (" + msg + ")");
            }
            if (got == 0)
                throw DatasetError(m_path + ": truncated: the " + what + " should be " + std::to_string(total)
                                   + " bytes but the file ends after " + std::to_string(done));
            done += static_cast<size_t>(got);
        }
    }

    std::string m_path;
    GzFile m_file;
};

struct IdxHeader {
    uint8_t type = 0;
    std::vector<int64_t> dims;
};

IdxHeader readHeader(IdxFile& f)
{
    std::array<uint8_t, 4> magic{};
    f.read(magic.data(), 4, "header");
    if (magic[0] != 0 || magic[1] != 0 || magic[3] == 0 || magic[3] > 4)
        throw DatasetError(f.path() + ": not an IDX file (wrong magic number)");
    if (magic[2] != kUnsignedByte && magic[2] != kFloat32) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", magic[2]);
        throw DatasetError(f.path() + ": IDX element type " + hex
                           + " is not supported (only unsigned byte and float32)");
    }
    IdxHeader h;
    h.type = magic[2];
    for (int i = 0; i < magic[3]; ++i) {
        std::array<uint8_t, 4> d{};
        f.read(d.data(), 4, "header");
        h.dims.push_back((int64_t(d[0]) << 24) | (int64_t(d[1]) << 16) | (int64_t(d[2]) << 8) | d[3]);
    }
    return h;
}

void expectEnd(IdxFile& f)
{
    if (!f.atEnd())
        throw DatasetError(f.path() + ": longer than its header says (trailing data after the last item)");
}

} // namespace

SampleSet readIdxPair(const std::string& imagesPath, const std::string& labelsPath,
                      const std::string& splitName)
{
    IdxFile images(imagesPath);
    const IdxHeader ih = readHeader(images);
    if (ih.dims.size() < 2)
        throw DatasetError(imagesPath + ": an images file needs at least 2 dimensions, this one has "
                           + std::to_string(ih.dims.size()));

    IdxFile labels(labelsPath);
    const IdxHeader lh = readHeader(labels);
    if (lh.dims.size() != 1 || lh.type != kUnsignedByte)
        throw DatasetError(labelsPath + ": not an IDX labels file (expected one dimension of unsigned bytes)");
    if (lh.dims[0] != ih.dims[0])
        throw DatasetError("counts disagree: " + imagesPath + " has " + std::to_string(ih.dims[0])
                           + " images but " + labelsPath + " has " + std::to_string(lh.dims[0]) + " labels");

    SampleSet set;
    set.source = imagesPath;
    set.split = splitName;
    set.type = ih.type == kUnsignedByte ? SampleType::UInt8 : SampleType::Float32;
    set.sampleShape.assign(ih.dims.begin() + 1, ih.dims.end());
    if (set.sampleShape.size() == 2)
        set.sampleShape.insert(set.sampleShape.begin(), 1);

    // Four 32-bit dimensions can multiply past 64 bits; a gzipped file can truly hold more than
    // memory. Either is refused before reading (the read below also grows only as data arrives).
    try {
        checkedBytes(checkedCount(std::vector<uint64_t>(ih.dims.begin(), ih.dims.end()), imagesPath),
                     set.type == SampleType::UInt8 ? 1 : 4, imagesPath);
    } catch (const Error& e) {
        throw DatasetError(e.what());
    }
    const int64_t n = ih.dims[0];
    images.read(set.data, static_cast<size_t>(n) * set.sampleBytes(), "image data");
    if (set.type == SampleType::Float32) {
        // IDX stores big-endian floats.
        for (size_t i = 0; i < set.data.size(); i += 4)
            std::swap(set.data[i], set.data[i + 3]), std::swap(set.data[i + 1], set.data[i + 2]);
    }
    expectEnd(images);

    std::vector<uint8_t> raw;
    labels.read(raw, static_cast<size_t>(n), "labels");
    expectEnd(labels);
    set.labels.assign(raw.begin(), raw.end());
    return set;
}

std::string idxLabelsPathFor(const std::string& imagesPath)
{
    const std::filesystem::path p(imagesPath);
    std::string name = p.filename().string();
    const auto at = name.find("images-idx3");
    if (at == std::string::npos)
        return {};
    name.replace(at, 11, "labels-idx1");
    return (p.parent_path() / name).string();
}

bool looksLikeIdx(const std::string& path)
{
    GzFile f(gzopen(path.c_str(), "rb"));
    if (!f)
        return false;
    uint8_t magic[4] = {};
    return gzread(f.get(), magic, 4) == 4 && magic[0] == 0 && magic[1] == 0
        && (magic[2] == kUnsignedByte || magic[2] == kFloat32) && magic[3] >= 1 && magic[3] <= 4;
}

} // namespace bitlens
