#pragma once
// core-internal: the one-line cause of an HDF5 C++ API exception.

#include <H5Cpp.h>

#include <string>

namespace bitlens {

// The C++ API's message only names the failing call ("H5Fopen failed"); the innermost entry of
// HDF5's error stack says why (e.g. "truncated file: eof = ...").
std::string hdf5ErrorCause(const H5::Exception& e);

} // namespace bitlens
