#pragma once
// Reads labelled tensors from an HDF5 file: /inputs (float32 or uint8, N x ...) and /labels
// (integers, N), at the root or inside /train and /test groups; or token streams.

#include "sample_set.h"

#include <string>
#include <vector>

namespace bitlens {

bool isHdf5File(const std::string& path);

// The splits the file holds: {"" } for a root-level pair, or a subset of {"train", "test"}.
std::vector<std::string> hdf5Splits(const std::string& path);

// group is "" for the root. Throws DatasetError naming file, dataset and cause.
SampleSet readHdf5Split(const std::string& path, const std::string& group);

// Language-model token streams: /tokens, or /train/tokens and /test/tokens (1-D integers >= 0).
bool hdf5HasTokens(const std::string& path);
bool hdf5HasSplitTokens(const std::string& path);
std::vector<int32_t> readHdf5Tokens(const std::string& path, const std::string& dataset);

} // namespace bitlens
