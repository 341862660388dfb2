#pragma once
// Language-model data: a token stream cut into training and evaluation parts and into windows.
// Text is tokenised as bytes (the demo language model is byte-level); the split rule is the one
// resources/models/train_charlm.py trains with, so BitLens evaluates on the held-out bytes.

#include "sample_set.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

struct TokenStreams {
    std::string format; // "text" or "HDF5 tokens"
    std::vector<int32_t> train;
    std::vector<int32_t> test;
    int64_t files = 1;  // text files read
};

// A text file (no NUL byte), a folder holding no IDX files but text files, or an HDF5 file with
// /tokens or /train/tokens + /test/tokens.
bool isTokenCorpus(const std::string& path);

// Text: the regular files (symlinks and files holding a NUL byte skipped) in name order, each
// cut at 90 % of its bytes: the first part to train, the rest to test. HDF5: /train/tokens and
// /test/tokens, or /tokens cut at 90 %. Throws DatasetError naming the file and the cause.
TokenStreams readTokenCorpus(const std::string& path);

// Windows of context + 1 tokens with stride context: sample i reads tokens [i·T, i·T + T) and
// predicts [i·T + 1, i·T + T]. Throws DatasetError when the stream is shorter than one window.
SampleSet tokenWindows(const std::vector<int32_t>& stream, int64_t context, const std::string& source,
                       const std::string& split);

} // namespace bitlens
