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
};

// Ownership: plain value. A file holding a single split serves as both calibration source and
// evaluation set.
struct DatasetSplits {
    std::string path;
    std::string format;      // "IDX" or "HDF5"
    SampleSet calibration;
    SampleSet evaluation;
    int64_t trainCount = 0;  // size of the split calibration was drawn from
    bool singleSplit = false;
    int64_t numClasses = 0;  // 1 + the largest label seen
};

// Accepts: a folder holding the four standard IDX files (gzipped or raw), one IDX images file
// (its labels file found by name), or an HDF5 file with /inputs + /labels, or /train and /test
// groups holding them. Throws DatasetError naming the file and the cause.
DatasetSplits loadDataset(const std::string& path, const DatasetOptions& options, Progress& progress);

// The default dataset: Debian's Fashion-MNIST (BITLENS_DATA overrides it).
std::string defaultDatasetPath();

// indices of `count` samples out of `total`, seeded and platform-independent, ascending.
std::vector<int64_t> seededSubset(int64_t total, int64_t count, uint64_t seed);

} // namespace bitlens
