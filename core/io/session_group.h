#pragma once
// core-internal, for analysis_bundle.cpp: a bundle's /session group written from a SessionState
// and read back. Layout in README ("Analysis bundle").

#include "session_state.h"

#include <H5Cpp.h>

namespace bitlens {

void writeSessionGroup(H5::H5File& file, const SessionState& state);
// A bundle written before a field existed reads with that field's default. Throws Error naming
// `path` for a plan or a JSON field that does not parse.
SessionState readSessionGroup(const H5::Group& group, const std::string& path);

} // namespace bitlens
