#pragma once
// Every reader of files a user brings, each as one function of raw bytes: the fuzz targets
// (fuzz_target.cpp, one binary per reader) and tst_reliability (the crashes found, kept as
// regressions) call the same code. BitLens's readers take paths, as users hand them files, so
// the bytes are written to a file first (on /dev/shm where it exists).
//
// The contract: a reader returns, or throws bitlens::Error (one sentence naming the file). Any
// other exception — std::bad_alloc, nlohmann's, LibTorch's c10::Error, HDF5's — is a bug.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bitlens::fuzz {

using ByteReader = void (*)(const uint8_t* data, size_t size);

struct FileReader {
    const char* target; // "fuzz_idx": the fuzz target and its corpus folder
    const char* reads;  // what, for messages
    ByteReader read;
};

const std::vector<FileReader>& fileReaders();
// Throws std::invalid_argument for a name not in fileReaders().
ByteReader readerFor(const std::string& target);

} // namespace bitlens::fuzz
