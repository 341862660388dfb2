#pragma once
// The zip container of a TorchScript archive, checked before LibTorch reads it. LibTorch 1.13's
// zip reader checks no CRC, its TorchScript compiler crashes on some damaged code records, and it
// leaks its zip state when an archive lacks a record it needs (all found by fuzzing). So BitLens
// reads the central directory itself first: every entry's local header and data inside the file,
// the entries under one folder holding version (or .data/version) and data.pkl, and the CRC-32 of
// every record but the tensor storages. Zip64 is followed (models over 4 GB).

#include <string>

namespace bitlens {

// Throws ModelLoadError naming `path` and what is wrong with its zip structure.
void checkTorchScriptArchive(const std::string& path);

} // namespace bitlens
