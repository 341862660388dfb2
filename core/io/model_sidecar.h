#pragma once
// The JSON sidecar beside a demo model (model.pt -> model.json): how it was trained and what it
// measured on the test split, so BitLens can check it reproduces the same figures.

#include <cstdint>
#include <optional>
#include <string>

namespace bitlens {

struct ModelSidecar {
    std::string path;
    double testAccuracy = 0.0; // fraction
    double testLoss = 0.0;
    int64_t testCorrect = 0;
    int64_t testSamples = 0;
    std::string json; // the whole sidecar, for tools that pass it on
};

// std::nullopt when the model has no sidecar; throws Error when one exists but is malformed.
std::optional<ModelSidecar> readSidecar(const std::string& modelPath);

} // namespace bitlens
