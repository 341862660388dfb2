#include "model_sidecar.h"

#include "../errors.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace bitlens {

std::optional<ModelSidecar> readSidecar(const std::string& modelPath)
{
    const std::filesystem::path path = std::filesystem::path(modelPath).replace_extension(".json");
    std::ifstream in(path);
    if (!in)
        return std::nullopt;
    try {
        const nlohmann::json j = nlohmann::json::parse(in);
        ModelSidecar s;
        s.path = path.string();
        s.testAccuracy = j.at("test_accuracy").get<double>();
        s.testLoss = j.at("test_loss").get<double>();
        s.testCorrect = j.at("test_correct").get<int64_t>();
        s.testSamples = j.at("test_samples").get<int64_t>();
        s.json = j.dump();
        return s;
    } catch (const nlohmann::json::exception& e) {
        throw Error(path.string() + ": malformed model sidecar (" + e.what() + ")");
    }
}

} // namespace bitlens
