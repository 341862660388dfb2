#include "sensitivity_engine.h"

#include "../model/model_impl.h"
#include "../progress.h"
#include "../quant/option_spec.h"
#include "../quant/layer_compressor.h"
#include "../quant/plan_graph.h"
#include "../stopwatch.h"

#include <chrono>
#include <cmath>
#include <map>
#include <optional>

namespace bitlens {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The input encoding whose noise stands for a weight option: the same number format, integers
// per-tensor with the MSE range. Float32 = no noise; none for rank-only or 16-bit integer options.
std::optional<ActivationQuant> inputQuantFor(const LayerOption& option)
{
    ActivationQuant q;
    const WeightQuant& w = option.weight;
    if (w.format == NumberFormat::Float32)
        return option.rank > 0 ? std::nullopt : std::optional<ActivationQuant>(q);
    if (w.format == NumberFormat::Int && w.bits > 8)
        return std::nullopt;
    q.format = w.format;
    q.bits = w.bits;
    q.range = w.format == NumberFormat::Int ? ActivationRange::Mse : ActivationRange::MinMax;
    return q;
}

// Wall time spent per estimator across the interleaved loop.
struct Clock {
    std::map<std::string, double> seconds;
    template <typename F>
    double time(const std::string& estimator, F f)
    {
        const auto start = std::chrono::steady_clock::now();
        const double v = f();
        seconds[estimator] += secondsSince(start);
        return v;
    }
};

} // namespace

SensitivityAnalysis analyzeSensitivity(HessianOperator& op, Model& model, const SampleSet& calibration,
                                       const SensitivityOptions& o, const HessianAnalysis* hessian, Progress& progress)
{
    Model::Impl& m = model.impl();
    const std::vector<std::string> known = sensitivityEstimators();
    for (const std::string& e : o.estimators) {
        if (std::find(known.begin(), known.end(), e) == known.end())
            throw Error("unknown sensitivity estimator '" + e + "' (known: measured, hawq, llc, input-noise, fisher)");
    }
    const auto wants = [&o](const char* e) { return std::find(o.estimators.begin(), o.estimators.end(), e) != o.estimators.end(); };
    if (wants("hawq") && (!hessian || hessian->layers.size() != m.layers.size()))
        throw Error("the hawq estimator needs the Hessian traces: analyse the Hessian too");
    SensitivityAnalysis a;
    a.options = o.options;
    a.layerOptions = resolveCandidates(o.options, m.layers);
    a.samples = op.samples();
    const size_t layers = m.layers.size(), options = o.options.size();
    // Cells stay NaN where an estimator does not apply; a computed cell that is not finite is a problem.
    std::map<std::string, std::vector<std::vector<double>>> cells;
    for (const std::string& e : o.estimators)
        cells[e].assign(layers, std::vector<double>(options, kNaN));
    const auto set = [&](const std::string& e, size_t l, size_t k, double v) {
        cells[e][l][k] = v;
        if (!std::isfinite(v))
            a.problems.push_back("layer '" + m.layers[l].name + "', option " + o.options[k] + ": " + e + " is not finite");
    };
    Clock clock;

    torch::jit::GraphFunction weightsGraph("bitlens_sensitivity",
                                           buildPlanGraph(m.layerGraph(), layers, std::vector<ActivationEncoding>(layers), true),
                                           nullptr);
    a.baselineLoss = op.lossOf(weightsGraph, op.weights(), progress);
    std::vector<torch::Tensor> fisher;
    if (wants("fisher")) {
        progress.report(0.0, "Empirical Fisher diagonal");
        clock.time("fisher", [&] {
            fisher = op.fisherDiagonal(progress);
            return 0.0;
        });
    }
    const std::vector<ActivationHistogram>* histograms = nullptr;
    if (wants("input-noise")) {
        SubProgress sub(progress, 0.0, 0.05);
        histograms = &cachedActivationHistograms(model, calibration, sub);
    }
    const int64_t products0 = op.layerProducts();

    torch::NoGradGuard noGrad;
    for (size_t l = 0; l < layers; ++l) {
        const std::string& name = m.layers[l].name;
        const torch::Tensor w = op.weights()[l].detach();
        const torch::Tensor w64 = w.reshape({-1}).to(torch::kFloat64);
        std::map<std::pair<int, int>, double> inputNoise; // by (format, bits): options share it
        for (size_t k = 0; k < options; ++k) {
            progress.checkCancelled();
            progress.report(0.05 + 0.95 * (double(l) + double(k) / double(options)) / double(layers),
                            "Sensitivity of " + name + " to " + o.options[k]);
            const LayerOption& option = a.layerOptions[l][k];
            torch::Tensor compressed;
            try {
                compressed = compressWeight(w, option).effective;
            } catch (const PlanError&) { // the option cannot apply to this layer: NaN cells
                continue;
            }
            const torch::Tensor delta = compressed.reshape({-1}).to(torch::kFloat64) - w64;
            const double norm2 = delta.square().sum().item<double>();
            if (wants("measured")) {
                set("measured", l, k, clock.time("measured", [&] {
                    std::vector<torch::Tensor> weights = op.weights();
                    weights[l] = compressed;
                    return op.lossOf(weightsGraph, weights, progress) - a.baselineLoss;
                }));
            }
            if (wants("hawq")) {
                const double meanTrace = hessian->layers[l].trace / double(w.numel());
                set("hawq", l, k, meanTrace * norm2);
            }
            if (wants("llc")) {
                set("llc", l, k, clock.time("llc", [&] {
                    const torch::Tensor hd = op.layerProduct(l, delta, progress);
                    return at::dot(op.gradient(l), delta).item<double>() + 0.5 * at::dot(delta, hd).item<double>();
                }));
            }
            if (wants("fisher"))
                set("fisher", l, k, 0.5 * at::dot(fisher[l], delta.square()).item<double>());
            if (wants("input-noise")) {
                const std::optional<ActivationQuant> q = inputQuantFor(option);
                const ActivationHistogram& h = (*histograms)[l];
                if (!q || (q->format != NumberFormat::Float32 && !h.quantizable))
                    continue;
                const std::pair<int, int> key{int(q->format), q->bits};
                if (!inputNoise.count(key)) {
                    inputNoise[key] = q->format == NumberFormat::Float32 ? 0.0 : clock.time("input-noise", [&] {
                        std::vector<ActivationEncoding> encodings(layers);
                        encodings[l] = encodeActivation(h, *q);
                        torch::jit::GraphFunction noisy("bitlens_input_noise",
                                                        buildPlanGraph(m.layerGraph(), layers, encodings, true), nullptr,
                                                        torch::jit::ExecutorExecutionMode::SIMPLE);
                        return op.lossOf(noisy, op.weights(), progress) - a.baselineLoss;
                    });
                }
                set("input-noise", l, k, inputNoise[key]);
            }
        }
    }

    const std::vector<std::vector<double>>* measured = wants("measured") ? &cells["measured"] : nullptr;
    std::vector<std::string> names;
    for (const LayerInfo& l : m.layers)
        names.push_back(l.name);
    for (const std::string& e : o.estimators) {
        CostTable t;
        t.estimator = e;
        t.deltaLoss = cells[e];
        t.seconds = clock.seconds[e];
        t.products = e == "llc" ? op.layerProducts() - products0 : 0;
        if (measured && e != "measured")
            t.agreement = agreementOf(t.deltaLoss, *measured);
        t.topLayers = mostSensitiveLayers(t.deltaLoss, names, 5);
        a.tables.push_back(std::move(t));
    }
    progress.report(1.0, "Sensitivity analysed");
    return a;
}

} // namespace bitlens
