#include "cli_support.h"

#include <cstdio>

namespace bitlens::cli {

std::string modelArgument(const CliArgs& args)
{
    if (args.positional.size() != 1)
        throw UsageError("'" + args.command + "' takes one MODEL argument (a TorchScript .pt file)");
    return args.positional[0];
}

Workspace openWorkspace(const CliArgs& args, Progress& progress)
{
    return openWorkspace(modelArgument(args), args, progress);
}

Workspace openWorkspace(const std::string& modelPath, const CliArgs& args, Progress& progress)
{
    Workspace w;
    w.modelPath = modelPath;
    w.model = Model::load(w.modelPath);
    DatasetOptions options = defaultDatasetOptionsFor(modelPath);
    options.calibrationSize = args.integer("calib", options.calibrationSize, 1);
    options.seed = static_cast<uint64_t>(args.integer("seed", 0, 0));
    options.contextLength = args.integer("context", options.contextLength, 1);
    // The model's own dataset is looked up only when --data is not given: it may be missing.
    const std::string data = args.options.count("data") ? args.value("data", "") : defaultDatasetFor(modelPath);
    w.data = loadDataset(data, options, progress);
    w.dataOptions = options;
    w.model->profile(w.data.evaluation);
    return w;
}

ComputeOptions computeOptions(const CliArgs& args)
{
    ComputeOptions o;
    o.device = deviceFromName(args.value("device", "cpu"));
    const std::string precision = args.value("precision", "fp32");
    const std::optional<Precision> p = enumFromName<Precision>(precision);
    if (!p)
        throw UsageError("--precision " + precision + " is not one of " + namesOf<Precision>());
    o.precision = *p;
    return o;
}

CompressionPlan readPlanFor(const Model& model, const std::string& planPath)
{
    CompressionPlan plan = readPlanFile(planPath);
    validatePlan(plan, model.layers(), planPath);
    return plan;
}

std::vector<std::string> splitList(const std::string& text, char separator)
{
    std::vector<std::string> items;
    for (size_t start = 0; start <= text.size();) {
        const size_t end = std::min(text.find(separator, start), text.size());
        if (end > start)
            items.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return items;
}

std::string humanCount(double v)
{
    char buf[32];
    if (v >= 1e9)
        std::snprintf(buf, sizeof buf, "%.2f G", v / 1e9);
    else if (v >= 1e6)
        std::snprintf(buf, sizeof buf, "%.2f M", v / 1e6);
    else if (v >= 1e3)
        std::snprintf(buf, sizeof buf, "%.1f k", v / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
}

nlohmann::json planCostJson(const PlanCost& cost)
{
    return {{"bytes", cost.totalBytes}, {"fp32_bytes", cost.fp32Bytes}, {"average_bits", cost.averageBits},
            {"compression_ratio", cost.compressionRatio}, {"bops", cost.bops}};
}

} // namespace bitlens::cli
