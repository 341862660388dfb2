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
        s.languageModel = j.value("task", "") == "language-model";
        // A language model is measured on its held-out validation text, per token. An exported
        // model's sidecar (scripts/export_torchscript.py) has no figures yet.
        const std::string split = s.languageModel ? "validation_" : "test_";
        if (j.contains(split + "loss")) {
            s.testAccuracy = j.at(split + "accuracy").get<double>();
            s.testLoss = j.at(split + "loss").get<double>();
            s.testCorrect = j.at(split + "correct").get<int64_t>();
            s.testSamples = j.at(split + (s.languageModel ? "tokens" : "samples")).get<int64_t>();
        }
        s.dataset = j.value("dataset", "");
        // A relative path is the sidecar's folder's, so a model and its data move together.
        if (!s.dataset.empty() && std::filesystem::path(s.dataset).is_relative())
            s.dataset = (path.parent_path() / s.dataset).lexically_normal().string();
        s.datasetPackages = j.value("dataset_packages", std::vector<std::string>());
        if (s.languageModel)
            s.contextLength = j.at("input_shape").at(0).get<int64_t>();
        s.json = j.dump();
        return s;
    } catch (const nlohmann::json::exception& e) {
        throw Error(path.string() + ": malformed model sidecar (" + e.what() + ")");
    }
}

} // namespace bitlens
