#pragma once
// Reads labelled tensors from an HDF5 file: /inputs (float32 or uint8, N x ...) and /labels
// (integers, N), at the root or inside /train and /test groups.

#include "sample_set.h"

#include <string>
#include <vector>

namespace bitlens {

bool isHdf5File(const std::string& path);

// The splits the file holds: {"" } for a root-level pair, or a subset of {"train", "test"}.
std::vector<std::string> hdf5Splits(const std::string& path);

// group is "" for the root. Throws DatasetError naming file, dataset and cause.
SampleSet readHdf5Split(const std::string& path, const std::string& group);

} // namespace bitlens
