#pragma once
// The analysis bundle: one HDF5 file holding everything analysed for one model, so the GUI can
// reopen it and the CLI can produce it elsewhere. Layout contract in README ("Analysis bundle");
// other tools read it with h5py.

#include "../stats/model_analysis.h"

#include <string>

namespace bitlens {

// Writes through a temporary file and a rename. Throws Error naming `path` and the cause.
void writeAnalysisBundle(const ModelAnalysis& analysis, const std::string& path);

// Throws Error naming `path`: missing, not a bundle, truncated or damaged, or — when
// `expectedSha256` is given — made from a different model file.
ModelAnalysis readAnalysisBundle(const std::string& path, const std::string& expectedSha256 = {});

} // namespace bitlens
