#include "dataset.h"

#include "../errors.h"
#include "../io/hdf5_probe.h"
#include "../io/model_sidecar.h"
#include "../progress.h"
#include "hdf5_reader.h"
#include "idx_reader.h"
#include "token_corpus.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>

namespace fs = std::filesystem;

namespace bitlens {
namespace {

// The standard IDX file for a split inside a folder, gzipped or raw; "" when neither exists.
std::string findIdx(const fs::path& dir, const std::string& prefix, const std::string& what)
{
    for (const char* ext : {".gz", ""}) {
        const fs::path p = dir / (prefix + "-" + what + ext);
        if (fs::is_regular_file(p))
            return p.string();
    }
    return {};
}

// Train/test (or a single split) as the file holds them; the calibration subset comes later.
void readSplits(const std::string& path, DatasetSplits& out, SampleSet& train, Progress& progress)
{
    if (fs::is_directory(path)) {
        out.format = "IDX";
        const std::string trainImages = findIdx(path, "train", "images-idx3-ubyte");
        const std::string testImages = findIdx(path, "t10k", "images-idx3-ubyte");
        if (trainImages.empty() && testImages.empty())
            throw DatasetError(path + ": folder holds no IDX files (expected train-images-idx3-ubyte[.gz] "
                               "and t10k-images-idx3-ubyte[.gz] with their labels files)");
        const auto readPair = [&](const std::string& images, const std::string& prefix, const char* split) {
            const std::string labels = findIdx(path, prefix, "labels-idx1-ubyte");
            if (labels.empty())
                throw DatasetError(path + ": " + fs::path(images).filename().string() + " has no " + prefix
                                   + "-labels-idx1-ubyte[.gz] beside it");
            return readIdxPair(images, labels, split);
        };
        if (!trainImages.empty()) {
            progress.report(0.05, "Reading training images");
            train = readPair(trainImages, "train", "train");
        }
        progress.checkCancelled();
        if (!testImages.empty()) {
            progress.report(0.7, "Reading test images");
            out.evaluation = readPair(testImages, "t10k", "test");
        }
        out.singleSplit = trainImages.empty() || testImages.empty();
        if (trainImages.empty())
            train = out.evaluation;
        else if (testImages.empty())
            out.evaluation = train;
        return;
    }
    if (!fs::exists(path))
        throw DatasetError(path + ": file or folder not found");
    if (isHdf5File(path)) {
        out.format = "HDF5";
        const std::vector<std::string> splits = hdf5Splits(path);
        progress.report(0.1, "Reading HDF5 tensors");
        if (splits.size() == 1) {
            out.singleSplit = true;
            out.evaluation = readHdf5Split(path, splits[0]);
            train = out.evaluation;
        } else {
            train = readHdf5Split(path, "train");
            progress.checkCancelled();
            out.evaluation = readHdf5Split(path, "test");
        }
        return;
    }
    if (looksLikeIdx(path)) {
        out.format = "IDX";
        const std::string labels = idxLabelsPathFor(path);
        if (labels.empty())
            throw DatasetError(path + ": an IDX images file must be named *-images-idx3-ubyte[.gz] so its "
                               "labels file can be found");
        out.singleSplit = true;
        out.evaluation = readIdxPair(path, labels, "all");
        train = out.evaluation;
        return;
    }
    throw DatasetError(path + ": not a dataset BitLens can read (neither an IDX file or folder nor an HDF5 file)");
}

} // namespace

std::vector<int64_t> seededSubset(int64_t total, int64_t count, uint64_t seed)
{
    std::vector<int64_t> idx(static_cast<size_t>(total));
    for (int64_t i = 0; i < total; ++i)
        idx[static_cast<size_t>(i)] = i;
    count = std::min(count, total);
    // Partial Fisher-Yates with mt19937_64, whose output the standard fixes, so a seed names the
    // same subset on every platform (std::shuffle's algorithm is not specified).
    std::mt19937_64 rng(seed);
    for (int64_t i = 0; i < count; ++i) {
        const int64_t j = i + static_cast<int64_t>(rng() % static_cast<uint64_t>(total - i));
        std::swap(idx[static_cast<size_t>(i)], idx[static_cast<size_t>(j)]);
    }
    idx.resize(static_cast<size_t>(count));
    std::sort(idx.begin(), idx.end());
    return idx;
}

namespace {

DatasetSplits loadInProcess(const std::string& path, const DatasetOptions& options, Progress& progress)
{
    if (options.calibrationSize <= 0)
        throw DatasetError(path + ": the calibration size must be positive, not "
                           + std::to_string(options.calibrationSize));
    DatasetSplits out;
    out.path = path;
    SampleSet train;
    if (isTokenCorpus(path)) {
        progress.report(0.1, "Reading tokens");
        const TokenStreams streams = readTokenCorpus(path);
        out.format = streams.format;
        const auto windows = [&](const std::vector<int32_t>& stream, const char* split) {
            if (out.format == "text" && stream.size() <= size_t(options.contextLength))
                // Most likely not meant as text at all: say what else was looked for.
                throw DatasetError(path + ": not a dataset BitLens reads (no IDX files, no HDF5 data); read as text, its "
                                   + split + " split has " + std::to_string(stream.size())
                                   + " bytes, fewer than one window of " + std::to_string(options.contextLength + 1));
            return tokenWindows(stream, options.contextLength, path, split);
        };
        train = windows(streams.train, "train");
        out.evaluation = windows(streams.test, "test");
    } else {
        readSplits(path, out, train, progress);
    }
    if (out.evaluation.count() == 0)
        throw DatasetError(path + ": the dataset holds no samples");
    if (train.sampleShape != out.evaluation.sampleShape || train.type != out.evaluation.type)
        throw DatasetError(path + ": the training and test splits have different sample shapes or types");

    progress.report(0.9, "Drawing the calibration subset");
    out.trainCount = train.count();
    out.calibration = train.subset(seededSubset(train.count(), options.calibrationSize, options.seed),
                                   "calibration");
    out.numClasses = 1 + std::max(train.maxLabel(), out.evaluation.maxLabel());
    progress.report(1.0, "Dataset loaded");
    return out;
}

} // namespace

DatasetSplits loadDataset(const std::string& path, const DatasetOptions& options, Progress& progress)
{
    if (isHdf5File(path)) {
        progress.report(0.0, "Checking the HDF5 file");
        probeHdf5File(path, [&] {
            NullProgress quiet;
            loadInProcess(path, options, quiet);
        });
    }
    return loadInProcess(path, options, progress);
}

std::string defaultDatasetPath()
{
    if (const char* env = std::getenv("BITLENS_DATA"); env && *env)
        return env;
    return BITLENS_DEFAULT_DATA;
}

namespace {

std::optional<ModelSidecar> sidecarOrNone(const std::string& modelPath)
{
    try {
        return readSidecar(modelPath);
    } catch (const Error&) { // a malformed sidecar is reported where the model is opened
        return std::nullopt;
    }
}

} // namespace

std::string defaultDatasetFor(const std::string& modelPath)
{
    if (const char* env = std::getenv("BITLENS_DATA"); env && *env)
        return env;
    const std::optional<ModelSidecar> sidecar = sidecarOrNone(modelPath);
    // Fashion-MNIST would only make a language model fail on float images.
    if (sidecar && sidecar->dataset.empty() && sidecar->languageModel)
        throw DatasetError(sidecar->path + " describes a language model but names no dataset: give its text or token "
                           "file with --data PATH (scripts/export_torchscript.py --text writes one)");
    if (!sidecar || sidecar->dataset.empty())
        return BITLENS_DEFAULT_DATA;
    // Falling back to another dataset would score the model on data it cannot read (a language
    // model on images), so a missing one is an error that says how to get it.
    if (!fs::exists(sidecar->dataset)) {
        std::string packages;
        for (const std::string& p : sidecar->datasetPackages)
            packages += (packages.empty() ? "" : " ") + p;
        throw DatasetError(sidecar->path + " names the dataset " + sidecar->dataset + ", which does not exist: "
                           + (packages.empty() ? std::string() : "install the Debian packages " + packages
                                                                     + " (apt-get install " + packages + "), or ")
                           + "name another dataset with --data PATH");
    }
    return sidecar->dataset;
}

DatasetOptions defaultDatasetOptionsFor(const std::string& modelPath)
{
    DatasetOptions options;
    const std::optional<ModelSidecar> sidecar = sidecarOrNone(modelPath);
    if (sidecar && sidecar->contextLength > 0)
        options.contextLength = sidecar->contextLength;
    return options;
}

} // namespace bitlens
