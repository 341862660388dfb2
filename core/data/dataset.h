#pragma once
// Opens a dataset file or folder and splits it into a calibration subset and an evaluation set.

#include "sample_set.h"

#include <cstdint>
#include <string>

namespace bitlens {

class Progress;

struct DatasetOptions {
    int64_t calibrationSize = 1024; // taken from the training split; all of it when smaller
    uint64_t seed = 0;              // picks the calibration subset
    int64_t contextLength = 128;    // tokens a language-model window feeds the model
};

// Ownership: plain value. A file holding a single split serves as both calibration source and
// evaluation set.
struct DatasetSplits {
    std::string path;
    std::string format;      // "IDX", "HDF5", "text" or "HDF5 tokens"
    SampleSet calibration;
    SampleSet evaluation;
    int64_t trainCount = 0;  // size of the split calibration was drawn from
    bool singleSplit = false;
    int64_t numClasses = 0;  // 1 + the largest label (or token) seen
    bool tokens() const { return evaluation.tokens(); }
};

// Accepts: a folder holding the four standard IDX files (gzipped or raw), one IDX images file
// (its labels file found by name), or an HDF5 file with /inputs + /labels, or /train and /test
// groups holding them; for language models, a text file or folder of text files, or an HDF5
// file of tokens (token_corpus.h), cut into windows of options.contextLength tokens.
// Throws DatasetError naming the file and the cause.
DatasetSplits loadDataset(const std::string& path, const DatasetOptions& options, Progress& progress);

// The default dataset: Debian's Fashion-MNIST (BITLENS_DATA overrides it).
std::string defaultDatasetPath();
// The dataset for a model when none is named: BITLENS_DATA, else the one the model's sidecar
// records (the demo language model's text), else Debian's Fashion-MNIST. Throws DatasetError
// naming the path, its Debian packages and --data when the sidecar's dataset is not there.
std::string defaultDatasetFor(const std::string& modelPath);
// Default options for a model: its sidecar's context length for a language model.
DatasetOptions defaultDatasetOptionsFor(const std::string& modelPath);

// indices of `count` samples out of `total`, seeded and platform-independent, ascending.
std::vector<int64_t> seededSubset(int64_t total, int64_t count, uint64_t seed);

} // namespace bitlens
