// bitlens-cli plan and export: writing a uniform plan, and exporting a plan's compressed model
// (for a safetensors checkpoint: its packed weights).

#include "cli_commands.h"
#include "cli_support.h"

#include "core/eval/applied_plan.h"
#include "core/io/plan_export.h"
#include "core/io/safetensors_file.h"
#include "core/model/safetensors_layers.h"

#include <cstdio>
#include <iostream>

namespace bitlens::cli {

using nlohmann::json;

namespace {

// What a plan is checked and costed against: a TorchScript model's layers, or a safetensors
// checkpoint's (from its header alone).
struct PlanTarget {
    std::vector<LayerInfo> layers;
    int64_t totalParams = 0;
};

PlanTarget planTargetOf(const std::string& modelPath)
{
    PlanTarget t;
    if (isSafetensorsPath(modelPath)) {
        const SafetensorsFile file(modelPath);
        for (const SafetensorsLayer& l : safetensorsLayers(file).layers)
            t.layers.push_back(l.info);
        t.totalParams = file.totalElements();
        return t;
    }
    const std::unique_ptr<Model> model = Model::load(modelPath);
    t.layers = model->layers();
    t.totalParams = model->totalParams();
    return t;
}

int printExport(const CliArgs& args, const std::string& modelPath, const std::string& planPath, const ExportReport& report,
                const PlanCost& cost)
{
    if (args.has("json")) {
        json o = {{"model", modelPath}, {"plan", planPath}, {"folder", report.folder}, {"files", report.files},
                  {"notes", report.notes}, {"packed_file_bytes", report.packedBytes}, {"seconds", report.seconds}};
        o.update(planCostJson(cost));
        std::cout << o.dump() << "\n";
        return 0;
    }
    for (const std::string& f : report.files)
        std::printf("wrote %s\n", f.c_str());
    for (const std::string& n : report.notes)
        std::printf("note: %s\n", n.c_str());
    std::printf("%s bytes planned (weights.h5: %s bytes), %.2f s\n", humanCount(double(cost.totalBytes)).c_str(),
                humanCount(double(report.packedBytes)).c_str(), report.seconds);
    return 0;
}

// A safetensors checkpoint has no model to run: only the packed weights and the plan.
int exportWeightsOnly(const CliArgs& args, const std::string& modelPath, const std::string& planPath, const std::string& out)
{
    const PlanTarget target = planTargetOf(modelPath);
    const CompressionPlan plan = readPlanFile(planPath);
    validatePlan(plan, target.layers, planPath);
    TerminalProgress progress(args);
    const ExportReport report = exportSafetensorsPlan(modelPath, plan, out, progress);
    return printExport(args, modelPath, planPath, report, planCost(target.layers, target.totalParams, plan));
}

} // namespace

int runPlan(const CliArgs& args)
{
    const std::string modelPath = modelArgument(args);
    const std::string spec = args.value("uniform", "");
    const std::string out = args.value("out", "");
    if (spec.empty())
        throw UsageError("'plan' needs --uniform SPEC, e.g. --uniform w4:per-channel,a8");
    if (out.empty())
        throw UsageError("'plan' needs --out PLAN.json");
    const double rank = args.real("rank", 0.0, 0.0, 1.0);
    // Layers and shapes are all a uniform plan needs: no dataset, no forward pass.
    const PlanTarget target = planTargetOf(modelPath);
    const CompressionPlan plan = uniformPlan(spec, rank, target.layers);
    writePlanFile(plan, out);
    const PlanCost cost = planCost(target.layers, target.totalParams, plan);

    if (args.has("json")) {
        json o = {{"model", modelPath}, {"plan", out}, {"defaults", plan.defaults.label()},
                  {"layer_count", target.layers.size()}, {"listed_layers", plan.layers.size()}};
        o.update(planCostJson(cost));
        o.erase("bops"); // needs MACs, which need a forward pass on data: see eval --plan
        std::cout << o.dump() << "\n";
        return 0;
    }
    std::printf("%s: %s for %zu layers (%zu listed), %s bytes (%.2fx smaller than fp32), %.3f bits per weight\n",
                out.c_str(), plan.defaults.label().c_str(), target.layers.size(), plan.layers.size(),
                humanCount(double(cost.totalBytes)).c_str(), cost.compressionRatio, cost.averageBits);
    return 0;
}

int runExport(const CliArgs& args)
{
    const std::string planPath = args.value("plan", "");
    const std::string out = args.value("out", "");
    if (planPath.empty())
        throw UsageError("'export' needs --plan PLAN.json");
    if (out.empty())
        throw UsageError("'export' needs --out DIR");
    if (isSafetensorsPath(modelArgument(args)))
        return exportWeightsOnly(args, modelArgument(args), planPath, out);
    TerminalProgress progress(args);
    Workspace w = openWorkspace(args, progress);
    const CompressionPlan plan = readPlanFor(*w.model, planPath);
    const std::unique_ptr<AppliedPlan> applied = AppliedPlan::apply(
        *w.model, plan, w.data.calibration, progress, args.has("sequential") ? MethodInputs::Sequential : MethodInputs::Independent);
    const ExportReport report = exportPlan(*applied, out, progress);
    return printExport(args, w.modelPath, planPath, report, planCost(w.model->layers(), w.model->totalParams(), plan));
}

} // namespace bitlens::cli
