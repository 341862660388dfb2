#include "token_corpus.h"

#include "../errors.h"
#include "hdf5_reader.h"
#include "idx_reader.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;

namespace bitlens {
namespace {

constexpr double TrainFraction = 0.9;

std::string readFile(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw DatasetError(path.string() + ": cannot open the file");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool isText(const std::string& bytes) { return bytes.find('\0') == std::string::npos; }

// Appends the first 90 % of `part` to train and the rest to test, as the training script does
// (int(len * 0.9) in Python is this same double product, truncated).
void splitInto(const std::vector<int32_t>& part, TokenStreams& out)
{
    const auto cut = static_cast<size_t>(static_cast<double>(part.size()) * TrainFraction);
    out.train.insert(out.train.end(), part.begin(), part.begin() + static_cast<std::ptrdiff_t>(cut));
    out.test.insert(out.test.end(), part.begin() + static_cast<std::ptrdiff_t>(cut), part.end());
}

void splitText(const std::string& bytes, TokenStreams& out)
{
    std::vector<int32_t> tokens(bytes.size());
    std::transform(bytes.begin(), bytes.end(), tokens.begin(), [](char c) { return int32_t(uint8_t(c)); });
    splitInto(tokens, out);
}

std::vector<fs::path> textFilesIn(const fs::path& dir)
{
    std::vector<fs::path> files;
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
        if (!e.is_symlink() && e.is_regular_file())
            files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

bool folderHasIdx(const fs::path& dir)
{
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
        if (e.path().filename().string().find("-idx") != std::string::npos)
            return true;
    }
    return false;
}

// The start of a file is enough to tell text from binary formats, which all hold NUL bytes early.
bool startsLikeText(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    char head[4096];
    in.read(head, sizeof head);
    return in.gcount() > 0 && std::memchr(head, 0, static_cast<size_t>(in.gcount())) == nullptr;
}

} // namespace

bool isTokenCorpus(const std::string& path)
{
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        if (folderHasIdx(path))
            return false;
        const std::vector<fs::path> files = textFilesIn(path);
        return std::any_of(files.begin(), files.end(), startsLikeText);
    }
    if (!fs::is_regular_file(path, ec))
        return false;
    if (isHdf5File(path))
        return hdf5HasTokens(path);
    return !looksLikeIdx(path) && startsLikeText(path);
}

TokenStreams readTokenCorpus(const std::string& path)
{
    TokenStreams out;
    if (fs::is_directory(path)) {
        out.format = "text";
        out.files = 0;
        for (const fs::path& file : textFilesIn(path)) {
            const std::string bytes = readFile(file);
            if (!isText(bytes))
                continue;
            splitText(bytes, out);
            ++out.files;
        }
        if (out.files == 0)
            throw DatasetError(path + ": the folder holds neither IDX files nor text files");
    } else if (isHdf5File(path)) {
        out.format = "HDF5 tokens";
        if (hdf5HasSplitTokens(path)) {
            out.train = readHdf5Tokens(path, "/train/tokens");
            out.test = readHdf5Tokens(path, "/test/tokens");
        } else {
            splitInto(readHdf5Tokens(path, "/tokens"), out);
        }
    } else {
        out.format = "text";
        const std::string bytes = readFile(path);
        if (!isText(bytes))
            throw DatasetError(path + ": not a text file (it holds NUL bytes) and not a dataset format BitLens reads");
        splitText(bytes, out);
    }
    return out;
}

SampleSet tokenWindows(const std::vector<int32_t>& stream, int64_t context, const std::string& source,
                       const std::string& split)
{
    if (context <= 0)
        throw DatasetError(source + ": the context length must be positive, not " + std::to_string(context));
    const int64_t count = stream.empty() ? 0 : (static_cast<int64_t>(stream.size()) - 1) / context;
    if (count == 0)
        throw DatasetError(source + ": the " + split + " split holds " + std::to_string(stream.size())
                           + " tokens, fewer than one window of " + std::to_string(context + 1));
    SampleSet set;
    set.source = source;
    set.split = split;
    set.type = SampleType::Token;
    set.sampleShape = {context};
    set.data.resize(static_cast<size_t>(count) * set.sampleBytes());
    auto* out = reinterpret_cast<int32_t*>(set.data.data());
    for (int64_t i = 0; i < count; ++i)
        std::memcpy(out + i * (context + 1), stream.data() + i * context, static_cast<size_t>(context + 1) * sizeof(int32_t));
    return set;
}

} // namespace bitlens
