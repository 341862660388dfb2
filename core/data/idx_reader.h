#pragma once
// Reads IDX files (the MNIST / Fashion-MNIST format), gzipped or raw.

#include "sample_set.h"

#include <string>

namespace bitlens {

// One split from its images and labels files. Images of shape N x H x W get a channel axis
// (1 x H x W per sample), which is what image models expect. Throws DatasetError.
SampleSet readIdxPair(const std::string& imagesPath, const std::string& labelsPath,
                      const std::string& splitName);

// The labels file that belongs to an images file ("...-images-idx3-ubyte" -> "...-labels-idx1-ubyte"),
// or "" when the name does not follow the convention.
std::string idxLabelsPathFor(const std::string& imagesPath);

bool looksLikeIdx(const std::string& path);

} // namespace bitlens
