#include "applied_plan_impl.h"

#include "../analysis/fisher_diagonal.h"
#include "../data/sample_set.h"
#include "../model/model_impl.h"
#include "../progress.h"
#include "../quant/methods/quant_method.h"
#include "../quant/plan_graph.h"
#include "../stopwatch.h"
#include "../torch_error.h"
#include "evaluation_loop.h"

#include <chrono>

namespace bitlens {
namespace {

bool quantizesInputs(const CompressionPlan& plan, const std::vector<LayerInfo>& layers)
{
    for (const LayerInfo& l : layers) {
        if (plan.optionFor(l.name).activation.format != NumberFormat::Float32)
            return true;
    }
    return false;
}

// Compressed weights written into the model while later layers' inputs are collected
// (MethodInputs::Sequential); the originals go back when it ends, however it ends.
class WeightSwap {
public:
    explicit WeightSwap(Model::Impl& m) : m_model(m) {}
    WeightSwap(const WeightSwap&) = delete;
    WeightSwap& operator=(const WeightSwap&) = delete;
    ~WeightSwap() { restore(); }
    void set(size_t layer, const torch::Tensor& weight)
    {
        m_saved.emplace_back(layer, m_model.weights[layer].clone());
        m_model.weights[layer].copy_(weight);
    }
    void restore()
    {
        for (const auto& [layer, original] : m_saved)
            m_model.weights[layer].copy_(original);
        m_saved.clear();
    }

private:
    Model::Impl& m_model;
    std::vector<std::pair<size_t, torch::Tensor>> m_saved;
};

// Per layer, whether its method needs what `need` asks of its descriptor.
std::vector<bool> methodNeeds(const CompressionPlan& plan, const std::vector<LayerInfo>& layers,
                              bool (*need)(const QuantMethodDescriptor&))
{
    std::vector<bool> needs;
    for (const LayerInfo& l : layers)
        needs.push_back(need(quantMethod(plan.optionFor(l.name).weight.method)));
    return needs;
}

bool any(const std::vector<bool>& v) { return std::find(v.begin(), v.end(), true) != v.end(); }

} // namespace

std::vector<torch::Tensor> AppliedPlan::Impl::forwardWeights() const
{
    std::vector<torch::Tensor> w;
    w.reserve(layers.size());
    for (const CompressedWeight& c : layers)
        w.push_back(c.transformed);
    return w;
}

std::vector<InputTransform> AppliedPlan::Impl::transforms() const
{
    std::vector<InputTransform> t;
    t.reserve(layers.size());
    for (const CompressedWeight& c : layers)
        t.push_back(c.transform);
    return t;
}

AppliedPlan::AppliedPlan(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
AppliedPlan::~AppliedPlan() = default;

std::unique_ptr<AppliedPlan> AppliedPlan::apply(Model& model, const CompressionPlan& plan,
                                                const SampleSet& calibration, Progress& progress, MethodInputs methodInputs)
{
    Model::Impl& m = model.impl();
    validatePlan(plan, m.layers, "plan");
    // The rewritten graph reaches only top-level calls; a layer called inside a loop or branch
    // would silently keep its FP32 weight.
    if (m.layerGraph().nestedCalls() > 0)
        throw PlanError(m.path + ": " + std::to_string(m.layerGraph().nestedCalls())
                        + " layer calls sit inside loops or branches of forward, where BitLens cannot apply a plan yet");
    auto impl = std::make_unique<Impl>();
    impl->model = &model;
    impl->plan = plan;

    const bool inputs = quantizesInputs(plan, m.layers);
    const std::vector<bool> needs = methodNeeds(plan, m.layers, [](const QuantMethodDescriptor& d) { return d.needsInputs(); });
    const std::vector<bool> grams = methodNeeds(plan, m.layers, [](const QuantMethodDescriptor& d) { return d.needsGram; });
    const std::vector<bool> fishers = methodNeeds(plan, m.layers, [](const QuantMethodDescriptor& d) { return d.needsFisher; });
    const bool statistics = any(needs);
    const bool sequential = statistics && methodInputs == MethodInputs::Sequential;
    const double compressFrom = statistics && !sequential ? 0.3 : 0.0, compressTo = inputs ? 0.6 : 1.0;
    const std::vector<LayerStatistics>* stats = nullptr;
    if (statistics && !sequential) {
        const auto statisticsStart = std::chrono::steady_clock::now();
        SubProgress sub(progress, 0.0, compressFrom);
        stats = &cachedLayerStatistics(model, calibration, grams, sub);
        impl->calibrationSeconds = secondsSince(statisticsStart);
    }
    // sqllm's Fisher diagonal comes from the FP32 model's gradients, sequential or not.
    const std::vector<torch::Tensor>* fisher = nullptr;
    if (any(fishers)) {
        const auto fisherStart = std::chrono::steady_clock::now();
        SubProgress sub(progress, 0.0, compressFrom);
        fisher = &cachedFisherDiagonal(model, calibration, sub);
        impl->calibrationSeconds += secondsSince(fisherStart);
    }
    const auto start = std::chrono::steady_clock::now();
    torch::NoGradGuard noGrad;
    WeightSwap swapped(m);
    for (size_t i = 0; i < m.layers.size(); ++i) {
        progress.checkCancelled();
        const LayerOption& option = plan.optionFor(m.layers[i].name);
        const double done = compressFrom + (compressTo - compressFrom) * static_cast<double>(i) / static_cast<double>(m.layers.size());
        std::vector<LayerStatistics> own; // sequential: this layer's, behind the compressed layers before it
        if (sequential && needs[i]) {
            std::vector<bool> gram(m.layers.size(), false);
            gram[i] = grams[i];
            SubProgress sub(progress, done, done + (compressTo - compressFrom) / static_cast<double>(m.layers.size()));
            own = collectLayerStatistics(model, calibration, gram, sub);
        }
        if (option.weight.format == NumberFormat::Float32 && option.rank == 0 && option.weight.method == QuantMethod::Rtn) {
            CompressedWeight kept;
            kept.effective = kept.transformed = m.weights[i];
            impl->layers.push_back(std::move(kept));
        } else {
            try {
                const LayerStatistics* s = !own.empty() ? &own[i] : stats ? &(*stats)[i] : nullptr;
                LayerStatistics withFisher;
                if (fisher && fishers[i] && s) {
                    withFisher = *s;
                    withFisher.fisher = (*fisher)[i];
                    s = &withFisher;
                }
                impl->layers.push_back(compressWeight(m.weights[i], option, s));
            } catch (const PlanError& e) {
                throw PlanError("plan: layer '" + m.layers[i].name + "': " + e.what());
            } catch (const c10::Error& e) {
                throw PlanError("plan: layer '" + m.layers[i].name + "': " + torchErrorSummary(e));
            }
            if (sequential)
                swapped.set(i, impl->layers.back().effective);
        }
        progress.report(compressFrom + (compressTo - compressFrom) * static_cast<double>(i + 1) / static_cast<double>(m.layers.size()),
                        "Compressing " + m.layers[i].name);
    }
    swapped.restore();
    impl->applySeconds = secondsSince(start);

    impl->encodings.assign(m.layers.size(), ActivationEncoding{});
    const std::vector<InputTransform> transforms = impl->transforms();
    if (inputs) {
        const auto calibrationStart = std::chrono::steady_clock::now();
        SubProgress sub(progress, compressTo, 1.0);
        // Inputs a method transforms have ranges of their own: T·x, on a pass of their own.
        const bool transformed = std::any_of(transforms.begin(), transforms.end(),
                                             [](const InputTransform& t) { return !t.identity(); });
        std::vector<ActivationHistogram> own;
        if (transformed)
            own = collectActivationHistograms(model, calibration, sub, 2048, &transforms);
        const std::vector<ActivationHistogram>& hist = transformed ? own : cachedActivationHistograms(model, calibration, sub);
        for (size_t i = 0; i < m.layers.size(); ++i)
            impl->encodings[i] = encodeActivation(hist[i], plan.optionFor(m.layers[i].name).activation);
        impl->calibrationSeconds += secondsSince(calibrationStart);
    }
    impl->forward = std::make_unique<torch::jit::GraphFunction>(
        "bitlens_plan", buildPlanGraph(m.layerGraph(), m.layers, impl->encodings, transforms, true), nullptr);
    return std::unique_ptr<AppliedPlan>(new AppliedPlan(std::move(impl)));
}

EvalResult AppliedPlan::evaluate(const SampleSet& data, const EvalOptions& options, Progress& progress)
{
    Model::Impl& m = d->model->impl();
    const std::vector<torch::Tensor> weights = d->forwardWeights();
    return runEvaluation([&](const torch::Tensor& input) { return m.layerGraph().run(*d->forward, input, weights); },
                         m.path, data, options, progress);
}

const CompressionPlan& AppliedPlan::plan() const { return d->plan; }
const std::vector<ActivationEncoding>& AppliedPlan::activationEncodings() const { return d->encodings; }
double AppliedPlan::applySeconds() const { return d->applySeconds; }
double AppliedPlan::calibrationSeconds() const { return d->calibrationSeconds; }
AppliedPlan::Impl& AppliedPlan::impl() const { return *d; }

} // namespace bitlens
