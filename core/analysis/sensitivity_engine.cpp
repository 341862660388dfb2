#include "sensitivity_engine.h"

#include "estimator_registry.h"

#include "../model/model_impl.h"
#include "../progress.h"
#include "../quant/option_spec.h"
#include "../quant/layer_compressor.h"
#include "../quant/methods/quant_method.h"
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

// The descriptors of the requested estimators, in request order, and what they need together.
struct Requested {
    std::vector<EstimatorDescriptor> estimators;
    EstimatorNeeds needs;
    std::string needing(bool EstimatorNeeds::*need) const
    {
        std::string ids;
        for (const EstimatorDescriptor& d : estimators)
            if (d.needs.*need)
                ids += (ids.empty() ? "" : ", ") + d.id;
        return ids;
    }
};

Requested requested(const std::vector<std::string>& ids)
{
    const EstimatorRegistry& registry = EstimatorRegistry::instance();
    Requested r;
    for (const std::string& id : ids) {
        std::optional<EstimatorDescriptor> d = registry.find(id);
        if (!d)
            throw Error("unknown sensitivity estimator '" + id + "' (known: " + registry.knownIds() + ")");
        for (bool EstimatorNeeds::*need : {&EstimatorNeeds::hessianTraces, &EstimatorNeeds::gradient,
                                           &EstimatorNeeds::hessianProducts, &EstimatorNeeds::fisherDiagonal,
                                           &EstimatorNeeds::inputHistograms, &EstimatorNeeds::lossEvaluations})
            r.needs.*need = r.needs.*need || d->needs.*need;
        r.estimators.push_back(std::move(*d));
    }
    return r;
}

// What the per-layer loop has ready for the cells of one layer.
struct LayerState {
    const torch::Tensor& weight;             // as the model holds it
    torch::Tensor weight64;                  // flat float64
    std::map<std::pair<int, int>, double> inputNoise; // by (format, bits): options share it
};

// What the whole analysis prepared: the operator, the variant graph, the estimators' needs.
struct Prepared {
    HessianOperator& op;
    Model::Impl& model;
    torch::jit::GraphFunction& weightsGraph;
    const HessianAnalysis* hessian;
    std::vector<torch::Tensor> fisher;
    const std::vector<ActivationHistogram>* histograms = nullptr;
    Progress& progress;
};

// A cell as estimators see it; each accessor checks that the running estimator declared it.
class EngineCell final : public EstimatorCell {
public:
    EngineCell(Prepared& p, LayerState& layerState, const torch::Tensor& compressed)
        : m_p(p), m_layer(layerState), m_compressed(compressed),
          m_delta(compressed.reshape({-1}).to(torch::kFloat64) - layerState.weight64)
    {
    }
    void runAs(const EstimatorDescriptor& d) { m_running = &d; }

    const double* weights() const override { return m_layer.weight64.data_ptr<double>(); }
    const double* delta() const override { return m_delta.data_ptr<double>(); }
    int64_t parameters() const override { return m_delta.numel(); }
    double hessianTrace() const override
    {
        require(m_running->needs.hessianTraces, "the Hessian traces");
        return m_p.hessian->layers[layer].trace;
    }
    double gradientDot() const override
    {
        require(m_running->needs.gradient, "the gradient");
        return at::dot(m_p.op.gradient(layer), m_delta).item<double>();
    }
    double hessianQuadratic() override
    {
        require(m_running->needs.hessianProducts, "Hessian-vector products");
        return at::dot(m_delta, m_p.op.layerProduct(layer, m_delta, m_p.progress)).item<double>();
    }
    double fisherQuadratic() const override
    {
        require(m_running->needs.fisherDiagonal, "the Fisher diagonal");
        return at::dot(m_p.fisher[layer], m_delta.square()).item<double>();
    }
    double measuredDeltaLoss() override
    {
        require(m_running->needs.lossEvaluations, "loss evaluations");
        std::vector<torch::Tensor> weights = m_p.op.weights();
        weights[layer] = m_compressed;
        return m_p.op.lossOf(m_p.weightsGraph, weights, m_p.progress) - baselineLoss;
    }
    std::optional<double> inputNoiseDeltaLoss() override
    {
        require(m_running->needs.lossEvaluations && m_running->needs.inputHistograms,
                "loss evaluations and the input histograms");
        const std::optional<ActivationQuant> q = inputQuantFor(*option);
        const ActivationHistogram& h = (*m_p.histograms)[layer];
        if (!q || (q->format != NumberFormat::Float32 && !h.quantizable))
            return std::nullopt;
        const std::pair<int, int> key{int(q->format), q->bits};
        if (!m_layer.inputNoise.count(key))
            m_layer.inputNoise[key] = q->format == NumberFormat::Float32 ? 0.0 : inputNoiseOf(h, *q);
        return m_layer.inputNoise[key];
    }

private:
    void require(bool declared, const char* what) const
    {
        if (!declared)
            throw Error("the estimator '" + m_running->id + "' reads " + what + " without declaring it in its needs");
    }
    double inputNoiseOf(const ActivationHistogram& h, const ActivationQuant& q)
    {
        const size_t layers = m_p.model.layers.size();
        std::vector<ActivationEncoding> encodings(layers);
        encodings[layer] = encodeActivation(h, q);
        torch::jit::GraphFunction noisy("bitlens_input_noise", buildPlanGraph(m_p.model.layerGraph(), m_p.model.layers, encodings, {}, true),
                                        nullptr, torch::jit::ExecutorExecutionMode::SIMPLE);
        return m_p.op.lossOf(noisy, m_p.op.weights(), m_p.progress) - baselineLoss;
    }

    Prepared& m_p;
    LayerState& m_layer;
    const torch::Tensor& m_compressed;
    const torch::Tensor m_delta;
    const EstimatorDescriptor* m_running = nullptr;
};

// Runs one estimator on a cell: its wall time and Hessian-vector products are charged to it, and
// anything but our own errors is rethrown naming the estimator and the cell.
std::optional<double> computeCell(const EstimatorDescriptor& d, EngineCell& cell, HessianOperator& op, CostTable& table)
{
    const auto start = std::chrono::steady_clock::now();
    const int64_t products = op.layerProducts();
    cell.runAs(d);
    std::optional<double> v;
    try {
        v = d.compute(cell);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error("the estimator '" + d.id + "' failed on layer '" + cell.layerName + "', option " + cell.optionLabel + ": "
                    + e.what());
    }
    table.seconds += secondsSince(start);
    table.products += op.layerProducts() - products;
    return v;
}

} // namespace

SensitivityAnalysis analyzeSensitivity(HessianOperator& op, Model& model, const SampleSet& calibration,
                                       const SensitivityOptions& o, const HessianAnalysis* hessian, Progress& progress)
{
    Model::Impl& m = model.impl();
    const Requested r = requested(o.estimators);
    if (r.needs.hessianTraces && (!hessian || hessian->layers.size() != m.layers.size()))
        throw Error("the " + r.needing(&EstimatorNeeds::hessianTraces)
                    + " estimator needs the Hessian traces: analyse the Hessian too");
    if (r.needs.hessianTraces) {
        for (size_t l = 0; l < m.layers.size(); ++l) {
            if (!hessian->layers[l].analysed())
                throw Error("the " + r.needing(&EstimatorNeeds::hessianTraces) + " estimator needs the Hessian trace of every "
                            "layer, and '" + m.layers[l].name + "' was not analysed (the layer pattern '"
                            + hessian->options.layers + "' leaves it out)");
        }
    }
    SensitivityAnalysis a;
    a.options = o.options;
    a.layerOptions = resolveCandidates(o.options, m.layers);
    a.samples = op.samples();
    const size_t layers = m.layers.size(), options = o.options.size();
    std::vector<std::string> names;
    for (const LayerInfo& l : m.layers)
        names.push_back(l.name);
    // Cells stay NaN where an estimator does not apply; a computed cell that is not finite is a problem.
    for (const EstimatorDescriptor& d : r.estimators) {
        CostTable& t = a.tables.emplace_back();
        t.estimator = d.id;
        t.deltaLoss.assign(layers, std::vector<double>(options, kNaN));
    }

    torch::jit::GraphFunction weightsGraph("bitlens_sensitivity",
                                           buildPlanGraph(m.layerGraph(), m.layers, {}, {}, true),
                                           nullptr);
    a.baselineLoss = op.lossOf(weightsGraph, op.weights(), progress);
    Prepared p{op, m, weightsGraph, hessian, {}, nullptr, progress};
    if (r.needs.fisherDiagonal) {
        progress.report(0.0, "Empirical Fisher diagonal");
        const auto start = std::chrono::steady_clock::now();
        p.fisher = op.fisherDiagonal(progress);
        // Each estimator that needs it would have paid for it alone.
        for (size_t e = 0; e < r.estimators.size(); ++e)
            if (r.estimators[e].needs.fisherDiagonal)
                a.tables[e].seconds += secondsSince(start);
    }
    if (r.needs.inputHistograms) {
        SubProgress sub(progress, 0.0, 0.05);
        p.histograms = &cachedActivationHistograms(model, calibration, sub);
    }

    // The inputs the candidates' methods need, for every layer whose candidates ask.
    std::vector<bool> needsInputs(layers, false), needsGram(layers, false);
    bool needsFisher = false;
    for (size_t l = 0; l < layers; ++l)
        for (const LayerOption& option : a.layerOptions[l]) {
            const QuantMethodDescriptor& d = quantMethod(option.weight.method);
            needsInputs[l] = needsInputs[l] || d.needsInputs();
            needsGram[l] = needsGram[l] || d.needsGram;
            needsFisher = needsFisher || d.needsFisher;
        }
    // sqllm's codebooks: weighted by the Fisher diagonal of the analysis's own batches.
    if (needsFisher && p.fisher.empty()) {
        SubProgress sub(progress, 0.0, 0.05);
        p.fisher = op.fisherDiagonal(sub);
    }
    const std::vector<LayerStatistics>* inputs = nullptr;
    if (std::find(needsInputs.begin(), needsInputs.end(), true) != needsInputs.end()) {
        SubProgress sub(progress, 0.0, 0.05);
        inputs = &cachedLayerStatistics(model, calibration, needsGram, sub);
    }

    torch::NoGradGuard noGrad;
    for (size_t l = 0; l < layers; ++l) {
        const std::string& name = names[l];
        LayerState layerState{op.weights()[l], op.weights()[l].detach().reshape({-1}).to(torch::kFloat64), {}};
        LayerStatistics statistics = inputs ? (*inputs)[l] : LayerStatistics{};
        if (!p.fisher.empty())
            statistics.fisher = p.fisher[l];
        for (size_t k = 0; k < options; ++k) {
            progress.checkCancelled();
            progress.report(0.05 + 0.95 * (double(l) + double(k) / double(options)) / double(layers),
                            "Sensitivity of " + name + " to " + o.options[k]);
            const LayerOption& option = a.layerOptions[l][k];
            torch::Tensor compressed;
            try {
                compressed = compressWeight(layerState.weight.detach(), option, inputs ? &statistics : nullptr).effective;
            } catch (const PlanError&) { // the option cannot apply to this layer: NaN cells
                continue;
            }
            EngineCell cell(p, layerState, compressed);
            cell.layer = l;
            cell.layerName = name;
            cell.optionLabel = o.options[k];
            cell.option = &option;
            cell.baselineLoss = a.baselineLoss;
            for (size_t e = 0; e < r.estimators.size(); ++e) {
                CostTable& t = a.tables[e];
                const std::optional<double> v = computeCell(r.estimators[e], cell, op, t);
                if (!v)
                    continue;
                t.deltaLoss[l][k] = *v;
                if (!std::isfinite(*v))
                    a.problems.push_back("layer '" + name + "', option " + o.options[k] + ": " + t.estimator
                                         + " is not finite");
            }
        }
    }

    const CostTable* measured = a.table("measured");
    for (CostTable& t : a.tables) {
        if (measured && &t != measured)
            t.agreement = agreementOf(t.deltaLoss, measured->deltaLoss);
        t.topLayers = mostSensitiveLayers(t.deltaLoss, names, 5);
    }
    progress.report(1.0, "Sensitivity analysed");
    return a;
}

} // namespace bitlens
