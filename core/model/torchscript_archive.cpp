#include "torchscript_archive.h"

#include "../errors.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <set>
#include <vector>

#include <zlib.h>

namespace bitlens {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralEntry = 0x02014b50;
constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64End = 0x06064b50;

uint64_t little(const unsigned char* p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = v << 8 | p[i];
    return v;
}

struct Archive {
    std::string path;
    std::ifstream in;
    uint64_t size = 0;

    [[noreturn]] void fail(const std::string& cause) const
    {
        throw ModelLoadError(path + ": truncated or corrupt TorchScript archive (" + cause + ")");
    }

    std::vector<unsigned char> read(uint64_t offset, uint64_t bytes, const char* what)
    {
        if (offset > size || bytes > size - offset)
            fail(std::string(what) + " runs past the end of the file");
        std::vector<unsigned char> out(static_cast<size_t>(bytes));
        in.seekg(static_cast<std::streamoff>(offset));
        if (!in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(bytes)))
            fail(std::string("cannot read the ") + what);
        return out;
    }
};

struct Directory {
    uint64_t offset = 0;
    uint64_t bytes = 0;
    uint64_t entries = 0;
};

// The end-of-central-directory record is the last 22 bytes plus a comment of up to 64 KB.
Directory findDirectory(Archive& a)
{
    const uint64_t tail = std::min<uint64_t>(a.size, 22 + 65535 + 20);
    const std::vector<unsigned char> t = a.read(a.size - tail, tail, "end of the archive");
    for (int64_t i = int64_t(tail) - 22; i >= 0; --i) {
        const unsigned char* e = t.data() + i;
        if (little(e, 4) != kEndOfDirectory)
            continue;
        if (little(e + 4, 2) != 0 || little(e + 6, 2) != 0)
            a.fail("a multi-part zip");
        Directory d{little(e + 16, 4), little(e + 12, 4), little(e + 10, 2)};
        if (i >= 20 && little(e - 20, 4) == kZip64Locator) {
            const std::vector<unsigned char> z = a.read(little(e - 20 + 8, 8), 56, "zip64 directory record");
            if (little(z.data(), 4) != kZip64End)
                a.fail("the zip64 directory record is missing");
            d = {little(z.data() + 48, 8), little(z.data() + 40, 8), little(z.data() + 32, 8)};
        }
        if (d.offset > a.size - tail + uint64_t(i) || d.bytes > a.size - d.offset)
            a.fail("the central directory lies outside the file");
        return d;
    }
    a.fail("no zip directory at its end: the file is cut short");
}

struct Entry {
    std::string name;
    uint64_t compressed = 0;
    uint64_t uncompressed = 0;
    uint64_t localOffset = 0;
    uint32_t method = 0;
    uint32_t flags = 0;
    uint32_t crc = 0;
};

// Sizes and offsets of 0xFFFFFFFF live in the zip64 extra field, in this order.
void readZip64Extra(const Archive& a, const unsigned char* extra, uint64_t length, Entry& e)
{
    for (uint64_t at = 0; at + 4 <= length;) {
        const uint64_t id = little(extra + at, 2), bytes = little(extra + at + 2, 2);
        if (at + 4 + bytes > length)
            a.fail("an extra field of '" + e.name + "' runs past its entry");
        if (id == 1) {
            uint64_t field = at + 4;
            for (uint64_t* v : {&e.uncompressed, &e.compressed, &e.localOffset}) {
                if (*v != 0xFFFFFFFFu)
                    continue;
                if (field + 8 > at + 4 + bytes)
                    a.fail("the zip64 field of '" + e.name + "' is too short");
                *v = little(extra + field, 8);
                field += 8;
            }
        }
        at += 4 + bytes;
    }
}

std::vector<Entry> readEntries(Archive& a, const Directory& d)
{
    const std::vector<unsigned char> cd = a.read(d.offset, d.bytes, "central directory");
    std::vector<Entry> entries;
    uint64_t at = 0;
    for (uint64_t n = 0; n < d.entries; ++n) {
        if (at + 46 > cd.size() || little(cd.data() + at, 4) != kCentralEntry)
            a.fail("entry " + std::to_string(n + 1) + " of " + std::to_string(d.entries) + " of the central directory is damaged");
        const unsigned char* p = cd.data() + at;
        const uint64_t nameBytes = little(p + 28, 2), extraBytes = little(p + 30, 2), commentBytes = little(p + 32, 2);
        if (at + 46 + nameBytes + extraBytes + commentBytes > cd.size())
            a.fail("entry " + std::to_string(n + 1) + " runs past the central directory");
        Entry e;
        e.name.assign(reinterpret_cast<const char*>(p + 46), nameBytes);
        e.flags = uint32_t(little(p + 8, 2));
        e.method = uint32_t(little(p + 10, 2));
        e.crc = uint32_t(little(p + 16, 4));
        e.compressed = little(p + 20, 4);
        e.uncompressed = little(p + 24, 4);
        e.localOffset = little(p + 42, 4);
        readZip64Extra(a, p + 46 + nameBytes, extraBytes, e);
        entries.push_back(std::move(e));
        at += 46 + nameBytes + extraBytes + commentBytes;
    }
    return entries;
}

// CRC-32 of an entry's uncompressed bytes. LibTorch's zip reader does not check CRCs, and its
// TorchScript compiler crashes on some damaged code files (found by fuzzing), so every record but
// the tensor storages is checked here.
uint32_t contentCrc(Archive& a, const Entry& e, uint64_t dataOffset)
{
    const std::vector<unsigned char> stored = a.read(dataOffset, e.compressed, "entry data");
    if (e.method == 0)
        return uint32_t(crc32(0, stored.data(), uInt(stored.size())));
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        a.fail("cannot inflate '" + e.name + "'");
    z.next_in = const_cast<unsigned char*>(stored.data());
    z.avail_in = uInt(stored.size());
    uLong crc = crc32(0, nullptr, 0);
    uint64_t produced = 0;
    unsigned char chunk[16384];
    int status = Z_OK;
    while (status == Z_OK && produced <= e.uncompressed) {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        status = inflate(&z, Z_NO_FLUSH);
        const uInt n = uInt(sizeof chunk - z.avail_out);
        crc = crc32(crc, chunk, n);
        produced += n;
    }
    inflateEnd(&z);
    if (status != Z_STREAM_END || produced != e.uncompressed)
        a.fail("'" + e.name + "' does not inflate to its " + std::to_string(e.uncompressed) + " bytes");
    return uint32_t(crc);
}

// The parameters' storages: nearly all of a model's bytes, and only ever copied as numbers.
bool isTensorStorage(const std::string& nameInFolder)
{
    return nameInFolder.rfind("data/", 0) == 0;
}

void checkEntry(Archive& a, const Entry& e, const std::string& folder, uint64_t directoryOffset)
{
    if (e.method != 0 && e.method != 8)
        a.fail("'" + e.name + "' uses zip compression method " + std::to_string(e.method) + " (only stored and deflated are read)");
    // Encryption (traditional or strong), patched data and a masked directory: zip features
    // torch.jit.save never writes and LibTorch's reader refuses only after it leaked its state.
    if (e.flags & (0x0001 | 0x0020 | 0x0040 | 0x2000))
        a.fail("'" + e.name + "' is encrypted or patched (zip flags " + std::to_string(e.flags) + ")");
    if (e.method == 0 && e.compressed != e.uncompressed)
        a.fail("the stored entry '" + e.name + "' has two different sizes");
    const std::vector<unsigned char> h = a.read(e.localOffset, 30, "local header");
    if (little(h.data(), 4) != kLocalHeader)
        a.fail("the local header of '" + e.name + "' is missing");
    const uint64_t nameBytes = little(h.data() + 26, 2), extraBytes = little(h.data() + 28, 2);
    if (a.read(e.localOffset + 30, nameBytes, "local header") != std::vector<unsigned char>(e.name.begin(), e.name.end()))
        a.fail("the local header of '" + e.name + "' names another file");
    const uint64_t data = e.localOffset + 30 + nameBytes + extraBytes;
    if (data > directoryOffset || e.compressed > directoryOffset - data)
        a.fail("the data of '" + e.name + "' runs into the central directory");
    if (!isTensorStorage(e.name.substr(folder.size())) && contentCrc(a, e, data) != e.crc)
        a.fail("'" + e.name + "' does not match its CRC-32");
}

} // namespace

void checkTorchScriptArchive(const std::string& path)
{
    Archive a{path, std::ifstream(path, std::ios::binary), 0};
    a.in.seekg(0, std::ios::end);
    a.size = uint64_t(std::max<std::streamoff>(a.in.tellg(), 0));
    unsigned char magic[4] = {};
    a.in.seekg(0);
    if (!a.in.read(reinterpret_cast<char*>(magic), 4) || little(magic, 4) != kLocalHeader)
        throw ModelLoadError(path + ": not a TorchScript archive (expected a zip written by torch.jit.save)");
    const Directory d = findDirectory(a);
    const std::vector<Entry> entries = readEntries(a, d);
    if (entries.empty())
        a.fail("the zip holds no file");
    const std::string folder = entries[0].name.substr(0, entries[0].name.find('/') + 1);
    std::set<std::string> names;
    for (const Entry& e : entries) {
        if (folder.size() < 2 || e.name.compare(0, folder.size(), folder) != 0)
            throw ModelLoadError(path + ": not a TorchScript archive (its files are not all in one folder, as "
                                        "torch.jit.save writes them)");
        checkEntry(a, e, folder, d.offset);
        names.insert(e.name.substr(folder.size()));
    }
    // PyTorch 2.x writes the version as .data/version, 1.x as version.
    const auto missing = [&](const char* record) {
        throw ModelLoadError(path + ": not a TorchScript archive (it has no " + folder + record
                             + " record; was it saved with torch.save instead of torch.jit.save?)");
    };
    if (!names.count("version") && !names.count(".data/version"))
        missing("version");
    if (!names.count("data.pkl"))
        missing("data.pkl");
}

} // namespace bitlens
