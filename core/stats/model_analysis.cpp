#include "model_analysis.h"

#include "method_errors.h"

#include "../analysis/hessian_engine.h"
#include "../analysis/sensitivity_engine.h"
#include "../model/model_impl.h"
#include "../progress.h"
#include "../quant/activation_calibration.h"
#include "../quant/option_spec.h"
#include "../stopwatch.h"
#include "../torch_error.h"
#include "sha256.h"
#include "weight_matrix_figures.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

namespace bitlens {
namespace {

// Runs `perLayer` for every layer, mapping its progress onto [begin, end].
template <typename F>
void forEachLayer(const Model::Impl& m, Progress& progress, double begin, double end, const char* what, F perLayer)
{
    for (size_t i = 0; i < m.layers.size(); ++i) {
        progress.checkCancelled();
        progress.report(begin + (end - begin) * double(i) / double(m.layers.size()), std::string(what) + " " + m.layers[i].name + " (layer " + std::to_string(i + 1) + " of " + std::to_string(m.layers.size()) + ")");
        perLayer(i);
    }
}

} // namespace

WeightSpectrum spectrumFromSingularValues(std::vector<double> s, bool fitAlpha)
{
    WeightSpectrum out;
    std::sort(s.begin(), s.end(), std::greater<>());
    out.singularValues = s;
    if (s.empty() || s[0] <= 0)
        return out;
    std::vector<double> eigen(s.size());
    std::transform(s.begin(), s.end(), eigen.begin(), [](double v) { return v * v; });
    const double energy = std::accumulate(eigen.begin(), eigen.end(), 0.0);
    const double sum = std::accumulate(s.begin(), s.end(), 0.0);
    out.energy.resize(s.size());
    std::partial_sum(eigen.begin(), eigen.end(), out.energy.begin());
    for (double& e : out.energy)
        e /= energy;
    out.stableRank = energy / eigen[0];
    double entropy = 0.0;
    for (double v : s)
        if (v > 0)
            entropy -= (v / sum) * std::log(v / sum);
    out.effectiveRank = std::exp(entropy);
    const auto rankFor = [&](double fraction) {
        // The tiny slack keeps 0.95 from missing an exact 0.95 by rounding.
        const auto it = std::lower_bound(out.energy.begin(), out.energy.end(), fraction - 1e-12);
        return static_cast<int64_t>(std::min<size_t>(size_t(it - out.energy.begin()) + 1, s.size()));
    };
    out.rank90 = rankFor(0.90);
    out.rank95 = rankFor(0.95);
    out.rank99 = rankFor(0.99);
    if (fitAlpha)
        out.alpha = fitPowerLaw(eigen);
    return out;
}

std::vector<std::string> quantErrorOptions()
{
    std::vector<std::string> options;
    for (int bits : {2, 3, 4, 5, 6, 8})
        for (const char* g : {"per-tensor", "per-channel"})
            options.push_back("w" + std::to_string(bits) + ":" + g);
    for (const char* o : {"w4:group32", "w4:per-channel:mse", "w4:per-channel:asym", "fp16", "bf16", "fp8_e4m3", "fp8_e5m2"})
        options.emplace_back(o);
    return options;
}

std::vector<std::string> activationErrorOptions()
{
    std::vector<std::string> options;
    for (int bits : {2, 3, 4, 5, 6, 8})
        options.push_back("a" + std::to_string(bits));
    for (const char* o : {"a4:percentile", "a8:percentile", "a4:mse", "a8:mse", "afp16", "abf16", "afp8_e4m3", "afp8_e5m2"})
        options.emplace_back(o);
    return options;
}

namespace {

void activationErrors(Model& model, const SampleSet& calibration, QuantErrorTable& t, Progress& progress)
{
    const std::vector<ActivationHistogram>& hist = cachedActivationHistograms(model, calibration, progress);
    t.activationOptions = activationErrorOptions();
    std::vector<ActivationQuant> quants;
    for (const std::string& spec : t.activationOptions)
        quants.push_back(optionFromSpec("fp32," + spec).activation);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const ActivationHistogram& h : hist) {
        std::vector<double> relative, sqnr;
        const double width = (h.max - h.min) / double(h.counts.size());
        double signal = 0.0;
        for (size_t b = 0; b < h.counts.size(); ++b) {
            const double centre = h.min + (double(b) + 0.5) * width;
            signal += h.counts[b] * centre * centre;
        }
        for (const ActivationQuant& q : quants) {
            double e = nan;
            if (h.quantizable && h.values > 0)
                e = histogramSquaredError(h, encodeActivation(h, q));
            relative.push_back(signal > 0 ? e / signal : nan);
            sqnr.push_back(e > 0 ? 10.0 * std::log10(signal / e) : (e == 0 ? std::numeric_limits<double>::infinity() : nan));
        }
        t.activationRelativeError.push_back(relative);
        t.activationSqnrDb.push_back(sqnr);
    }
}

ModelAnalysis analyze(Model& model, const AnalysisOptions& options, const SampleSet* calibration, Progress& overall,
                      const PartialAnalysisCallback& onPartial)
{
    // Curvature work dominates a full analysis: it gets most of the bar.
    const bool curvature = options.hessian || options.sensitivity;
    SubProgress progress(overall, 0.0, curvature ? 0.1 : 1.0);
    const Model::Impl& m = model.impl();
    ModelAnalysis a;
    a.modelPath = m.path;
    a.modelSha256 = sha256File(m.path);
    a.layers = m.layers;
    a.options = options;
    const auto settled = [&] {
        if (onPartial)
            onPartial(a, true);
    };
    torch::NoGradGuard noGrad;

    if (options.statistics) {
        const auto start = std::chrono::steady_clock::now();
        forEachLayer(m, progress, 0.0, 0.2, "Statistics of", [&](size_t i) {
            const torch::Tensor w = m.weights[i].detach().to(torch::kFloat32).contiguous();
            a.weights.push_back(weightStatistics(w.data_ptr<float>(), m.layers[i].weightShape, options.statisticsOptions));
        });
        a.statisticsSeconds = secondsSince(start);
        settled();
    }
    if (options.activations && calibration) {
        const auto start = std::chrono::steady_clock::now();
        SubProgress sub(progress, 0.2, 0.4);
        a.activations = activationStatistics(model, *calibration, options.statisticsOptions, sub);
        a.activationSeconds = secondsSince(start);
        settled();
    }
    a.options.activations = !a.activations.empty();
    if (options.spectra) {
        const auto start = std::chrono::steady_clock::now();
        forEachLayer(m, progress, 0.4, 0.8, "Spectrum of", [&](size_t i) {
            a.spectra.push_back(matrixSpectrum(weightMatrixOf(m.weights[i]), options.spectrumMethod));
        });
        a.spectraSeconds = secondsSince(start);
        settled();
    }
    if (options.quantError) {
        const auto start = std::chrono::steady_clock::now();
        QuantErrorTable& t = a.quantError;
        t.options = quantErrorOptions();
        const std::vector<WeightQuant> quants = weightQuantsOf(t.options);
        forEachLayer(m, progress, 0.8, 0.9, "Quantization error of",
                     [&](size_t i) { appendQuantErrors(t, weightMatrixOf(m.weights[i]), quants); });
        if (calibration) {
            SubProgress sub(progress, 0.9, 1.0);
            activationErrors(model, *calibration, t, sub);
        }
        a.quantErrorSeconds = secondsSince(start);
        settled();
    }
    if (options.methodError) {
        if (!calibration)
            throw Error(m.path + ": the methods' output error needs a calibration set");
        const auto start = std::chrono::steady_clock::now();
        SubProgress sub(progress, 0.9, 1.0);
        appendMethodErrors(model, *calibration, a.quantError, sub);
        a.methodErrorSeconds = secondsSince(start);
        settled();
    }
    if (curvature) {
        if (!calibration)
            throw Error(m.path + ": the Hessian and sensitivity analyses need a calibration set");
        SubProgress setup(overall, 0.1, 0.12);
        HessianOperator op(model, *calibration, options.hessianOptions.batches, options.hessianOptions.batchSize, true, setup,
                           options.compute);
        std::vector<std::string> names;
        for (const LayerInfo& l : m.layers)
            names.push_back(l.name);
        const double split = 0.12 + 0.88 * (options.sensitivity ? (options.hessian ? 0.5 : 0.0) : 1.0);
        if (options.hessian) {
            SubProgress sub(overall, 0.12, split);
            LayerHessianCallback onLayer;
            if (onPartial) {
                a.hessian.layers.assign(names.size(), LayerHessian{});
                onLayer = [&](size_t layer, const LayerHessian& h) {
                    a.hessian.layers[layer] = h;
                    onPartial(a, false);
                };
            }
            a.hessian = analyzeHessian(op, names, options.hessianOptions, sub, onLayer);
            settled();
        }
        if (options.sensitivity) {
            SubProgress sub(overall, split, 1.0);
            a.sensitivity = analyzeSensitivity(op, model, *calibration, options.sensitivityOptions,
                                               options.hessian ? &a.hessian : nullptr, sub);
        }
    }
    overall.report(1.0, "Analysed " + m.path);
    return a;
}

} // namespace

ModelAnalysis analyzeModel(Model& model, const AnalysisOptions& options, const SampleSet* calibration, Progress& progress,
                           const PartialAnalysisCallback& onPartial)
{
    try {
        return analyze(model, options, calibration, progress, onPartial);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(model.path() + ": the analysis failed (" + torchErrorSummary(e) + ")");
    }
}

void mergeAnalysis(ModelAnalysis& into, ModelAnalysis update)
{
    const auto names = [](const ModelAnalysis& a) {
        std::vector<std::string> n;
        for (const LayerInfo& l : a.layers)
            n.push_back(l.name);
        return n;
    };
    if (into.layers.empty() || names(into) != names(update)) {
        into = std::move(update);
        return;
    }
    into.modelPath = update.modelPath;
    into.modelSha256 = update.modelSha256;
    into.layers = update.layers;
    const AnalysisOptions& o = update.options;
    if (!update.weights.empty()) {
        into.weights = std::move(update.weights);
        into.options.statistics = true;
        into.options.statisticsOptions = o.statisticsOptions;
        into.statisticsSeconds = update.statisticsSeconds;
    }
    if (!update.activations.empty()) {
        into.activations = std::move(update.activations);
        into.options.activations = true;
        into.activationSeconds = update.activationSeconds;
    }
    if (!update.spectra.empty()) {
        into.spectra = std::move(update.spectra);
        into.options.spectra = true;
        into.spectraSeconds = update.spectraSeconds;
        into.options.spectrumMethod = o.spectrumMethod;
    }
    // The methods' output errors are a stage of their own that lives in the quantization-error table.
    std::vector<std::string> methods = std::move(into.quantError.methodOptions);
    std::vector<std::vector<double>> methodErrors = std::move(into.quantError.methodOutputError);
    if (!update.quantError.methodOptions.empty()) {
        methods = std::move(update.quantError.methodOptions);
        methodErrors = std::move(update.quantError.methodOutputError);
        into.options.methodError = true;
        into.methodErrorSeconds = update.methodErrorSeconds;
    }
    if (!update.quantError.options.empty()) {
        into.quantError = std::move(update.quantError);
        into.options.quantError = true;
        into.quantErrorSeconds = update.quantErrorSeconds;
    }
    into.quantError.methodOptions = std::move(methods);
    into.quantError.methodOutputError = std::move(methodErrors);
    if (!update.hessian.empty()) {
        into.hessian = std::move(update.hessian);
        into.options.hessian = true;
        into.options.hessianOptions = o.hessianOptions;
    }
    if (!update.sensitivity.empty()) {
        into.sensitivity = std::move(update.sensitivity);
        into.options.sensitivity = true;
        into.options.sensitivityOptions = o.sensitivityOptions;
    }
}

} // namespace bitlens
