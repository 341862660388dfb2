// bitlens-cli allocate and pareto: a plan under a budget from a bundle's cost table, and the whole
// front of optimal plans; both can write the instance they solved for any other solver to check.

#include "cli_commands.h"
#include "cli_support.h"

#include "core/alloc/allocator_registry.h"
#include "core/alloc/cost_table_problem.h"
#include "core/alloc/pareto_front.h"
#include "core/eval/applied_plan.h"
#include "core/io/analysis_bundle.h"
#include "core/io/atomic_file.h"

#include <cstdio>
#include <iostream>

namespace bitlens::cli {
namespace {

using nlohmann::json;

struct Instance {
    ModelAnalysis analysis;
    std::string estimator;
    AllocationProblem problem;
    int64_t resolution = 1;
};

// --estimator, else `measured`, else the bundle's only table (a weight-only bundle has just
// weight-error).
std::string estimatorFor(const CliArgs& args, const ModelAnalysis& analysis)
{
    const std::vector<CostTable>& tables = analysis.sensitivity.tables;
    if (args.options.count("estimator") || analysis.sensitivity.table("measured") || tables.size() != 1)
        return args.value("estimator", "measured");
    return tables.front().estimator;
}

// The index of the layer named `name`; `option` names the command-line option in the error.
int layerIndex(const AllocationProblem& p, const std::string& name, const char* option)
{
    const auto it = std::find_if(p.layers.begin(), p.layers.end(), [&](const AllocationLayer& l) { return l.name == name; });
    if (it == p.layers.end())
        throw UsageError(std::string(option) + ": no layer '" + name + "'");
    return int(it - p.layers.begin());
}

// "a,b;c,d": groups of layer names, as indices of the problem's layers.
std::vector<std::vector<int>> tieGroups(const std::string& text, const AllocationProblem& p)
{
    std::vector<std::vector<int>> groups;
    for (const std::string& group : splitList(text, ';')) {
        std::vector<int> members;
        for (const std::string& name : splitList(group, ','))
            members.push_back(layerIndex(p, name, "--tie"));
        groups.push_back(members);
    }
    return groups;
}

// "layer=label,layer=label".
std::map<int, int> pins(const std::string& text, const AllocationProblem& p)
{
    std::map<int, int> out;
    for (const std::string& pin : splitList(text, ',')) {
        const size_t eq = pin.find('=');
        const std::string name = pin.substr(0, eq), label = eq == std::string::npos ? "" : pin.substr(eq + 1);
        const int layer = layerIndex(p, name, "--pin");
        const std::vector<AllocationOption>& options = p.layers[size_t(layer)].options;
        const auto option = std::find_if(options.begin(), options.end(), [&](const AllocationOption& o) { return o.label == label; });
        if (option == options.end())
            throw UsageError("--pin: layer '" + name + "' has no option '" + label + "'");
        out[layer] = int(option - options.begin());
    }
    return out;
}

Instance instanceFrom(const CliArgs& args, bool needsBudget)
{
    const std::string bundle = args.value("bundle", "");
    if (bundle.empty())
        throw UsageError("'" + args.command + "' needs --bundle BUNDLE.h5 (from analyze --sensitivity)");
    Instance in;
    in.analysis = readAnalysisBundle(bundle);
    const std::string budget = args.value("budget", "");
    if (needsBudget && budget.empty())
        throw UsageError("'" + args.command + "' needs --budget, e.g. 4bits or 1.5MB");
    const int64_t bytes = budget.empty() ? 0 : budgetBytesFromText(budget, in.analysis.layers);
    std::optional<double> bops;
    if (args.options.count("bops"))
        bops = args.real("bops", 0.0, 0.0, 1e30);
    in.estimator = estimatorFor(args, in.analysis);
    in.problem = problemFromAnalysis(in.analysis, in.estimator, bytes, bops);
    in.problem.pinned = pins(args.value("pin", ""), in.problem);
    in.problem.tieGroups = tieGroups(args.value("tie", ""), in.problem);
    in.problem.validate();
    in.resolution = hundredthBitResolution(in.analysis.layers);
    if (args.options.count("dump-problem"))
        replaceWholeFile(args.value("dump-problem", ""), problemToJson(in.problem) + "\n");
    return in;
}

double averageBits(const Instance& in, int64_t bytes)
{
    int64_t weights = 0, bias = 0;
    for (const LayerInfo& l : in.analysis.layers) {
        weights += l.weightParams;
        bias += 4 * l.biasParams;
    }
    return 8.0 * double(bytes - bias) / double(weights);
}

} // namespace

int runAllocate(const CliArgs& args)
{
    const std::string out = args.value("out", "");
    if (out.empty())
        throw UsageError("'allocate' needs --out PLAN.json");
    Instance in = instanceFrom(args, true);
    TerminalProgress progress(args);
    AllocatorSettings settings;
    settings.resolutionBytes = in.resolution;
    settings.resolutionBops = in.problem.budgetBops ? std::max(1.0, *in.problem.budgetBops / 200.0) : 1.0;
    settings.evolution.seed = static_cast<uint64_t>(args.integer("seed", 0, 0));
    settings.evolution.maxEvaluations = static_cast<int>(args.integer("evaluations", 200, 1));
    const std::string allocator = args.value("allocator", "knapsack");
    Workspace w;
    if (allocator == "evolutionary") {
        // The search's fitness is the measured calibration loss of whole plans.
        w = openWorkspace(in.analysis.modelPath, args, progress);
        settings.fitness = [&](const std::vector<int>& choices) {
            NullProgress quiet;
            const CompressionPlan plan = planFromChoices(in.problem, choices);
            EvalOptions options;
            options.limit = args.integer("fitness-samples", 512, 1);
            return AppliedPlan::apply(*w.model, plan, w.data.calibration, quiet)->evaluate(w.data.calibration, options, quiet).loss();
        };
    }
    const Allocation a = runBuiltInAllocator(allocator, in.problem, settings, progress);
    // What the search bought: the measured loss of its plan against the exact plan it started from.
    json measured;
    if (settings.fitness) {
        const Allocation start = runBuiltInAllocator(in.problem.budgetBops ? "two-constraint" : "knapsack", in.problem,
                                                     settings, progress);
        measured = {{"start_loss", settings.fitness(start.choices)}, {"loss", settings.fitness(a.choices)}};
    }
    const CompressionPlan plan = planFromChoices(in.problem, a.choices);
    writePlanFile(plan, out);
    json choices = json::array();
    for (size_t l = 0; l < a.choices.size(); ++l)
        choices.push_back(in.problem.layers[l].options[size_t(a.choices[l])].label);
    if (args.has("json")) {
        std::cout << json{{"plan", out}, {"allocator", allocator}, {"estimator", in.estimator},
                          {"predicted_delta_loss", a.predictedDeltaLoss}, {"bytes", a.bytes},
                          {"avg_bits", averageBits(in, a.bytes)}, {"bops", a.bops}, {"solver_seconds", a.solverSeconds},
                          {"gap", a.gap}, {"lower_bound", a.lowerBound}, {"budget_bytes", in.problem.budgetBytes},
                          {"choices", choices}, {"measured_calibration_loss", measured}}
                         .dump()
                  << "\n";
        return 0;
    }
    if (!measured.is_null())
        std::printf("measured calibration loss: %.6f from the exact plan, %.6f after the search\n",
                    measured["start_loss"].get<double>(), measured["loss"].get<double>());
    std::printf("%s: %s plan, predicted ΔLoss %.6g (gap ≤ %.3g), %s bytes, %.3f bits per weight, %s BOPs, solved in %.1f ms\n",
                out.c_str(), allocator.c_str(), a.predictedDeltaLoss, a.gap, humanCount(double(a.bytes)).c_str(),
                averageBits(in, a.bytes), humanCount(a.bops).c_str(), 1e3 * a.solverSeconds);
    for (size_t l = 0; l < a.choices.size(); ++l)
        std::printf("  %-28s %s\n", in.problem.layers[l].name.c_str(), choices[l].get<std::string>().c_str());
    return 0;
}

int runPareto(const CliArgs& args)
{
    const std::string out = args.value("out", "");
    if (out.empty())
        throw UsageError("'pareto' needs --out FRONT.csv");
    Instance in = instanceFrom(args, false);
    TerminalProgress progress(args);
    const ParetoFront front = paretoFront(in.problem, in.resolution, progress);
    std::string csv = "bytes,avg_bits,predicted_delta_loss,bops,choices\n";
    for (const FrontPoint& p : front.points) {
        std::string labels;
        for (size_t l = 0; l < p.choices.size(); ++l)
            labels += (l ? ";" : "") + in.problem.layers[l].options[size_t(p.choices[l])].label;
        char row[160];
        std::snprintf(row, sizeof row, "%lld,%.6f,%.9g,%.0f,", static_cast<long long>(p.bytes), averageBits(in, p.bytes),
                      p.predictedDeltaLoss, p.bops);
        csv += row + labels + "\n";
    }
    replaceWholeFile(out, csv);
    if (args.has("json")) {
        std::cout << json{{"front", out}, {"points", front.points.size()}, {"solver_seconds", front.solverSeconds}}.dump() << "\n";
        return 0;
    }
    std::printf("%s: %zu optimal plans from %s to %s bytes, %.1f ms\n", out.c_str(), front.points.size(),
                humanCount(double(front.points.front().bytes)).c_str(), humanCount(double(front.points.back().bytes)).c_str(),
                1e3 * front.solverSeconds);
    return 0;
}

} // namespace bitlens::cli
