#pragma once
// The analysis bundle: one HDF5 file holding everything analysed for one model, so the GUI can
// reopen it and the CLI can produce it elsewhere. Layout contract in README ("Analysis bundle");
// other tools read it with h5py.

#include "../stats/model_analysis.h"
#include "session_state.h"

#include <optional>
#include <string>

namespace bitlens {

// Writes through a temporary file and a rename. Throws Error naming `path` and the cause.
void writeAnalysisBundle(const ModelAnalysis& analysis, const std::string& path, const SessionState* session = nullptr);

// Throws Error naming `path`: missing, not a bundle, truncated or damaged, or — when
// `expectedSha256` is given — made from a different model file.
ModelAnalysis readAnalysisBundle(const std::string& path, const std::string& expectedSha256 = {});

// Whether `path` is an HDF5 file marked as an analysis bundle (not, say, an HDF5 dataset); never throws.
bool isAnalysisBundle(const std::string& path);

// The /session group (session_state.h); nullopt for a bundle without one. Throws Error naming
// `path` for an unreadable file or a plan or list that does not parse.
std::optional<SessionState> readSessionState(const std::string& path);

} // namespace bitlens
