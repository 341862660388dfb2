#include "session_group.h"

#include "../errors.h"
#include "hdf5_helpers.h"

#include <nlohmann/json.hpp>

namespace bitlens {
namespace {

using nlohmann::json;
using namespace h5;

// The lists below can outgrow an attribute's 64 KiB (a plan per front point of a large model), so
// each is one JSON text in a one-element string dataset.
void writeJsonText(H5::Group& g, const std::string& name, const json& value)
{
    writeStrings(g, name, {value.dump()});
}

json readJsonText(const H5::Group& g, const std::string& name, const std::string& path)
{
    const std::vector<std::string> text = readStrings(g, name);
    try {
        if (text.size() != 1)
            throw Error("not one JSON text");
        return json::parse(text.front());
    } catch (const std::exception& e) {
        throw Error(path + ": /session/" + name + " does not parse (" + e.what() + ")");
    }
}

json planJson(const CompressionPlan& plan)
{
    return json::parse(planToJson(plan));
}

// Every counter, so the result reads back exactly (its intervals and headline follow from them).
json resultJson(const EvalResult& r)
{
    return {{"task", r.languageModel() ? "language-model" : "classification"},
            {"samples", r.samples},
            {"total", r.total},
            {"predictions", r.predictions},
            {"loss_sum", r.lossSum},
            {"sample_loss_squares", r.sampleLossSquares},
            {"correct_top1", r.correctTop1},
            {"correct_top5", r.correctTop5},
            {"seconds", r.seconds}};
}

EvalResult resultFromJson(const json& j)
{
    EvalResult r;
    r.task = j.at("task").get<std::string>() == "language-model" ? TaskKind::LanguageModel : TaskKind::Classification;
    r.samples = j.at("samples").get<int64_t>();
    r.total = j.at("total").get<int64_t>();
    r.predictions = j.at("predictions").get<int64_t>();
    r.lossSum = j.at("loss_sum").get<double>();
    r.sampleLossSquares = j.at("sample_loss_squares").get<double>();
    r.correctTop1 = j.at("correct_top1").get<int64_t>();
    r.correctTop5 = j.at("correct_top5").get<int64_t>();
    r.seconds = j.at("seconds").get<double>();
    return r;
}

json measuredJson(const std::vector<MeasuredPlan>& plans)
{
    json out = json::array();
    for (const MeasuredPlan& m : plans)
        out.push_back({{"plan", planJson(m.plan)}, {"bytes", m.bytes}, {"layer_bytes", m.layerBytes},
                       {"average_bits", m.averageBits}, {"predicted_delta_loss", m.predictedDeltaLoss},
                       {"result", resultJson(m.result)}});
    return out;
}

std::vector<MeasuredPlan> measuredFromJson(const json& j, const std::string& source)
{
    std::vector<MeasuredPlan> plans;
    for (const json& e : j) {
        MeasuredPlan m;
        m.plan = planFromJson(e.at("plan").dump(), source);
        m.bytes = e.at("bytes").get<int64_t>();
        m.layerBytes = e.at("layer_bytes").get<int64_t>();
        m.averageBits = e.at("average_bits").get<double>();
        m.predictedDeltaLoss = e.at("predicted_delta_loss").get<double>();
        m.result = resultFromJson(e.at("result"));
        plans.push_back(std::move(m));
    }
    return plans;
}

json frontJson(const AllocationFront& f)
{
    json points = json::array();
    for (size_t i = 0; i < f.front.points.size(); ++i) {
        const FrontPoint& p = f.front.points[i];
        points.push_back({{"bytes", p.bytes}, {"bops", p.bops}, {"predicted_delta_loss", p.predictedDeltaLoss},
                          {"choices", p.choices}, {"plan", planJson(f.plans.at(i))}});
    }
    return {{"estimator", f.estimator}, {"budget_bytes", f.budgetBytes},
            {"budget_bops", f.budgetBops ? json(*f.budgetBops) : json(nullptr)},
            {"solver_seconds", f.front.solverSeconds}, {"points", points}};
}

AllocationFront frontFromJson(const json& j, const std::string& source)
{
    AllocationFront f;
    f.estimator = j.at("estimator").get<std::string>();
    f.budgetBytes = j.at("budget_bytes").get<int64_t>();
    if (!j.at("budget_bops").is_null())
        f.budgetBops = j.at("budget_bops").get<double>();
    f.front.solverSeconds = j.at("solver_seconds").get<double>();
    for (const json& p : j.at("points")) {
        f.front.points.push_back({p.at("bytes").get<int64_t>(), p.at("bops").get<double>(),
                                  p.at("predicted_delta_loss").get<double>(), p.at("choices").get<std::vector<int>>()});
        f.plans.push_back(planFromJson(p.at("plan").dump(), source));
    }
    return f;
}

} // namespace

void writeSessionGroup(H5::H5File& file, const SessionState& state)
{
    H5::Group g = file.createGroup("/session");
    setString(g, "dataset_path", state.datasetPath);
    setInt(g, "calibration_size", state.calibrationSize);
    setInt(g, "calibration_seed", static_cast<int64_t>(state.calibrationSeed));
    if (state.plan)
        setString(g, "plan", planToJson(*state.plan));
    if (!state.estimator.empty())
        setString(g, "estimator", state.estimator);
    if (!state.pinned.empty())
        writeStrings(g, "pinned", {state.pinned.begin(), state.pinned.end()});
    if (!state.tieGroups.empty())
        writeJsonText(g, "tie_groups", state.tieGroups);
    if (!state.measuredPlans.empty())
        writeJsonText(g, "measured_plans", measuredJson(state.measuredPlans));
    if (state.front)
        writeJsonText(g, "pareto_front", frontJson(*state.front));
}

SessionState readSessionGroup(const H5::Group& g, const std::string& path)
{
    SessionState s;
    s.datasetPath = getString(g, "dataset_path");
    s.calibrationSize = getInt(g, "calibration_size");
    s.calibrationSeed = static_cast<uint64_t>(getInt(g, "calibration_seed"));
    if (g.attrExists("plan"))
        s.plan = planFromJson(getString(g, "plan"), path + " (/session/plan)");
    if (g.attrExists("estimator"))
        s.estimator = getString(g, "estimator");
    if (exists(g, "pinned")) {
        const std::vector<std::string> pinned = readStrings(g, "pinned");
        s.pinned = {pinned.begin(), pinned.end()};
    }
    // Plans inside the lists parse with their own errors (PlanError naming the group); a missing
    // or mistyped field is a JSON error, reworded here to name the bundle.
    const auto field = [&](const char* name, const auto& read) {
        if (!exists(g, name))
            return;
        const json j = readJsonText(g, name, path);
        try {
            read(j, path + " (/session/" + name + ")");
        } catch (const nlohmann::json::exception& e) {
            throw Error(path + ": /session/" + name + " is incomplete (" + e.what() + ")");
        }
    };
    field("tie_groups", [&](const json& j, const std::string&) { s.tieGroups = j.get<std::vector<std::vector<std::string>>>(); });
    field("measured_plans", [&](const json& j, const std::string& source) { s.measuredPlans = measuredFromJson(j, source); });
    field("pareto_front", [&](const json& j, const std::string& source) { s.front = frontFromJson(j, source); });
    return s;
}

} // namespace bitlens
