#pragma once
// What every bitlens-cli command shares: the MODEL argument, opening a model
// with its dataset, and number formatting.

#include "cli_args.h"
#include "terminal_progress.h"

#include "core/compute_device.h"
#include "core/data/dataset.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "core/quant/memory_cost.h"

#include <nlohmann/json.hpp>

#include <memory>

namespace bitlens::cli {

std::string modelArgument(const CliArgs& args);

// The MODEL argument loaded and profiled on the --data dataset (MACs need one forward pass).
struct Workspace {
    std::string modelPath;
    std::unique_ptr<Model> model;
    DatasetSplits data;
    DatasetOptions dataOptions; // how `data` was split, for bundles to record
};
Workspace openWorkspace(const CliArgs& args, Progress& progress);
// The same for a model named elsewhere (a bundle's /model/path).
Workspace openWorkspace(const std::string& modelPath, const CliArgs& args, Progress& progress);

// --device cpu|cuda[:N] and --precision fp32|tf32|bf16 (defaults: the CPU in float32).
ComputeOptions computeOptions(const CliArgs& args);

// Reads PLAN.json and checks it against the model; errors name the plan file.
CompressionPlan readPlanFor(const Model& model, const std::string& planPath);

std::string humanCount(double v); // "1.23 M"
// The non-empty pieces of "a,b,c" between separators: every list-valued option is read this way.
std::vector<std::string> splitList(const std::string& text, char separator);

// The figures every command that takes a plan reports (JSON keys documented in README).
nlohmann::json planCostJson(const PlanCost& cost);

} // namespace bitlens::cli
