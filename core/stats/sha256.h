#pragma once
// SHA-256 of a file, to tie an analysis bundle to the exact model it analysed. Debian's LibTorch
// and HDF5 expose no hash, and one function does not justify another dependency.

#include <string>

namespace bitlens {

// Lower-case hex digest. Throws Error naming `path` when it cannot be read.
std::string sha256File(const std::string& path);
std::string sha256(const std::string& bytes);

} // namespace bitlens
