#pragma once
// The JSON sidecar beside a demo model (model.pt -> model.json): how it was trained and what it
// measured on the test split, so BitLens can check it reproduces the same figures.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bitlens {

struct ModelSidecar {
    std::string path;
    bool languageModel = false; // "task": "language-model"; its test figures are per token
    double testAccuracy = 0.0;  // fraction (next-token accuracy for a language model)
    double testLoss = 0.0;      // mean cross-entropy per prediction
    int64_t testCorrect = 0;
    int64_t testSamples = 0;    // predictions: samples, or tokens; 0 when the sidecar has no test figures
    std::string dataset;        // what it was trained and tested on; "" when not recorded (a
                                // relative path in the file is taken from the sidecar's folder)
    std::vector<std::string> datasetPackages; // the Debian packages that install `dataset`, when known
    int64_t contextLength = 0;  // a language model's window; 0 otherwise
    std::string json; // the whole sidecar, for tools that pass it on
};

// std::nullopt when the model has no sidecar; throws Error when one exists but is malformed.
std::optional<ModelSidecar> readSidecar(const std::string& modelPath);

} // namespace bitlens
