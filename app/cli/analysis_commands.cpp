// bitlens-cli analyze and show: per-layer statistics, spectra, quantization error, Hessian and
// sensitivity, written to an analysis bundle, and a summary of one.

#include "cli_commands.h"
#include "cli_support.h"
#include "estimator_libraries.h"

#include "core/analysis/estimator_registry.h"
#include "core/analysis/hessian_merge.h"
#include "core/io/analysis_bundle.h"
#include "core/io/safetensors_file.h"
#include "core/model/safetensors_layers.h"
#include "core/stats/weight_only_analysis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace bitlens::cli {
namespace {

using nlohmann::json;

// PyHessian's users see top eigenvalues swing 10x at 128 samples; 512 in 4 batches shows the spread.
constexpr long long kHessianSamples = 512;

// NaN and infinities are not JSON; null says "not applicable".
json number(double v)
{
    return std::isfinite(v) ? json(v) : json(nullptr);
}

// Index of an option in the quantization-error table, or -1.
int optionIndex(const QuantErrorTable& t, const std::string& spec)
{
    for (size_t o = 0; o < t.options.size(); ++o)
        if (t.options[o] == spec)
            return static_cast<int>(o);
    return -1;
}

json hessianJson(const ModelAnalysis& a)
{
    const HessianAnalysis& h = a.hessian;
    json layers = json::array();
    for (size_t i = 0; i < h.layers.size(); ++i) {
        const LayerHessian& l = h.layers[i];
        json top = json::array();
        for (double v : l.topEigenvalues)
            top.push_back(number(v));
        layers.push_back({{"name", a.layers[i].name}, {"top_eigenvalues", top}, {"top_eigenvalue_spread", number(l.topEigenvalueSpread)},
                          {"trace", number(l.trace)}, {"trace_stderr", number(l.traceStdErr)}, {"trace_samples", l.traceSamples},
                          {"trace_local_samples", l.traceLocalSamples}, {"trace_converged", l.traceConverged},
                          {"analysed", l.analysed()}, {"lanczos_steps", l.lanczosSteps}});
    }
    json model = json::array();
    for (double v : h.modelTopEigenvalues)
        model.push_back(number(v));
    return {{"samples", h.samples}, {"batches", h.options.batches}, {"loss", h.loss}, {"layers", layers},
            {"model_top_eigenvalues", model}, {"layer_hvps", h.layerProducts}, {"model_hvps", h.modelProducts},
            {"seconds", h.seconds}};
}

json sensitivityJson(const SensitivityAnalysis& s)
{
    json estimators = json::object();
    for (const CostTable& t : s.tables) {
        json rows = json::array();
        for (const auto& row : t.deltaLoss) {
            json r = json::array();
            for (double v : row)
                r.push_back(number(v));
            rows.push_back(r);
        }
        estimators[t.estimator] = {{"delta_loss", rows}, {"spearman", number(t.agreement.spearman)},
                                   {"kendall", number(t.agreement.kendall)}, {"cells", t.agreement.cells},
                                   {"top_layers", t.topLayers}, {"seconds", t.seconds}, {"hvps", t.products}};
    }
    return {{"options", s.options}, {"baseline_loss", s.baselineLoss}, {"samples", s.samples},
            {"estimators", estimators}, {"problems", s.problems}};
}

void printCurvature(const ModelAnalysis& a)
{
    const HessianAnalysis& h = a.hessian;
    if (!h.empty()) {
        std::printf("\nHessian (%lld samples in %lld batches, loss %.4f): %lld layer + %lld model HVPs, %.1f s\n",
                    static_cast<long long>(h.samples), static_cast<long long>(h.options.batches), h.loss,
                    static_cast<long long>(h.layerProducts), static_cast<long long>(h.modelProducts), h.seconds);
        std::printf("%-24s %11s %10s %11s %11s %11s %9s %13s\n", "layer", "λ1", "±batches", "λ2", "λ3", "trace", "±stderr",
                    "probes(local)");
        for (size_t i = 0; i < h.layers.size(); ++i) {
            const LayerHessian& l = h.layers[i];
            if (!l.analysed())
                continue;
            const auto eig = [&l](size_t k) { return k < l.topEigenvalues.size() ? l.topEigenvalues[k] : NAN; };
            const std::string probes = std::to_string(l.traceSamples) + "(" + std::to_string(l.traceLocalSamples) + ")"
                                       + (l.traceConverged ? "" : " open");
            std::printf("%-24s %11.4g %10.3g %11.4g %11.4g %11.4g %9.3g %13s\n", a.layers[i].name.c_str(), eig(0),
                        l.topEigenvalueSpread, eig(1), eig(2), l.trace, l.traceStdErr, probes.c_str());
        }
        if (!h.options.layers.empty())
            std::printf("(the layers matching '%s')\n", h.options.layers.c_str());
        const char* together = h.options.layers.empty() ? "whole model" : "those together";
        if (!h.modelTopEigenvalues.empty())
            std::printf("%-24s %11.4g\n", together, h.modelTopEigenvalues[0]);
        else if (!h.modelEigenvaluesSkipped.empty())
            std::printf("%-24s skipped: %s\n", together, h.modelEigenvaluesSkipped.c_str());
    }
    const SensitivityAnalysis& s = a.sensitivity;
    if (!s.empty() && std::isnan(s.baselineLoss)) // a weight-only analysis: no loss, nothing measured
        std::printf("\nCost table (%zu options) from the weights alone, no measured ΔLoss to agree with\n", s.options.size());
    else if (!s.empty())
        std::printf("\nSensitivity (%zu options, baseline loss %.4f): agreement with measured ΔLoss\n", s.options.size(),
                    s.baselineLoss);
    if (!s.empty()) {
        std::printf("%-12s %8s %8s %7s %6s  %s\n", "estimator", "ρ", "τ", "s", "HVPs", "most sensitive layers");
        for (const CostTable& t : s.tables) {
            std::string top;
            for (const std::string& l : t.topLayers)
                top += (top.empty() ? "" : ", ") + l;
            std::printf("%-12s %8.3f %8.3f %7.2f %6lld  %s\n", t.estimator.c_str(), t.agreement.spearman,
                        t.agreement.kendall, t.seconds, static_cast<long long>(t.products), top.c_str());
        }
    }
}

void warnProblems(const ModelAnalysis& a)
{
    for (const LayerHessian& l : a.hessian.layers)
        if (!l.problem.empty())
            std::fprintf(stderr, "bitlens-cli: warning: %s\n", l.problem.c_str());
    for (const std::string& p : a.sensitivity.problems)
        std::fprintf(stderr, "bitlens-cli: warning: %s\n", p.c_str());
}

// A comma-separated list ("measured,hawq").
std::vector<std::string> listOption(const CliArgs& args, const std::string& key, std::vector<std::string> fallback)
{
    if (!args.options.count(key))
        return fallback;
    std::vector<std::string> items = splitList(args.value(key, ""), ',');
    if (items.empty())
        throw UsageError("--" + key + " needs a comma-separated list");
    return items;
}

// "--sigmas 3,6": the k of the fraction of values beyond k·σ.
std::vector<double> sigmaMultiples(const CliArgs& args, std::vector<double> fallback)
{
    if (!args.options.count("sigmas"))
        return fallback;
    std::vector<double> ks;
    for (const std::string& item : listOption(args, "sigmas", {})) {
        CliArgs one;
        one.options["sigmas"] = item;
        ks.push_back(one.real("sigmas", 0.0, 0.5, 100.0));
    }
    return ks;
}

int printAnalysis(const ModelAnalysis& a, const std::string& bundle, bool asJson)
{
    warnProblems(a);
    const int w4 = optionIndex(a.quantError, "w4:per-channel");
    const int w8 = optionIndex(a.quantError, "w8:per-channel");
    if (asJson) {
        json layers = json::array();
        for (size_t i = 0; i < a.layers.size(); ++i) {
            json l = {{"name", a.layers[i].name}, {"kind", kindName(a.layers[i].kind)}, {"params", a.layers[i].params()}};
            if (!a.weights.empty()) {
                const ValueStatistics& v = a.weights[i].values;
                l["kurtosis"] = number(v.kurtosis);
                l["absmax"] = number(v.absMax);
                l["std"] = number(v.std);
                l["absmax_over_std"] = number(v.absMaxOverStd);
                const std::vector<double>& ks = a.options.statisticsOptions.sigmaMultiples;
                for (size_t k = 0; k < ks.size() && k < v.beyondSigma.size(); ++k)
                    l[beyondSigmaName(ks[k])] = number(v.beyondSigma[k]);
                l["outlier_channels"] = a.weights[i].outlierChannels.size();
            }
            if (!a.activations.empty() && a.activations[i].measured) {
                const ActivationStatistics& s = a.activations[i];
                l["input_kurtosis"] = number(s.values.kurtosis);
                l["input_absmax"] = number(s.values.absMax);
                l["input_p99_99"] = number(s.p9999);
                l["input_absmax_over_p99_99"] = number(s.p9999 != 0 ? s.values.absMax / std::abs(s.p9999) : NAN);
            }
            if (!a.spectra.empty()) {
                const WeightSpectrum& s = a.spectra[i];
                l["alpha"] = s.alpha.valid ? number(s.alpha.alpha) : json(nullptr);
                l["stable_rank"] = number(s.stableRank);
                l["effective_rank"] = number(s.effectiveRank);
                l["rank_95"] = s.rank95;
            }
            if (w4 >= 0 && w8 >= 0) {
                l["sqnr_db_w4"] = number(a.quantError.sqnrDb[i][size_t(w4)]);
                l["sqnr_db_w8"] = number(a.quantError.sqnrDb[i][size_t(w8)]);
            }
            const auto& inputs = a.quantError.activationOptions;
            if (const auto a8 = std::find(inputs.begin(), inputs.end(), "a8"); a8 != inputs.end())
                l["input_sqnr_db_a8"] = number(a.quantError.activationSqnrDb[i][size_t(a8 - inputs.begin())]);
            layers.push_back(l);
        }
        json out{{"bundle", bundle}, {"model", a.modelPath}, {"sha256", a.modelSha256}, {"layers", layers},
                 {"statistics_seconds", a.statisticsSeconds}, {"spectra_seconds", a.spectraSeconds},
                 {"quant_error_seconds", a.quantErrorSeconds}};
        if (!a.hessian.empty())
            out["hessian"] = hessianJson(a);
        if (!a.sensitivity.empty())
            out["sensitivity"] = sensitivityJson(a.sensitivity);
        std::cout << out.dump() << "\n";
        return 0;
    }
    std::printf("%s: %s (sha256 %.12s…), %zu layers\n", bundle.c_str(), a.modelPath.c_str(), a.modelSha256.c_str(), a.layers.size());
    const std::vector<double>& ks = a.options.statisticsOptions.sigmaMultiples;
    char beyond[16] = ">kσ";
    if (!ks.empty())
        std::snprintf(beyond, sizeof beyond, ">%gσ", ks[0]);
    std::printf("%-24s %9s %9s %9s %8s %7s %8s %7s %8s %8s\n", "layer", "params", "kurtosis", "absmax/σ", beyond, "alpha",
                "st.rank", "r95", "SQNR w4", "SQNR w8");
    for (size_t i = 0; i < a.layers.size(); ++i) {
        std::printf("%-24s %9lld", a.layers[i].name.c_str(), static_cast<long long>(a.layers[i].params()));
        if (!a.weights.empty()) {
            const ValueStatistics& v = a.weights[i].values;
            std::printf(" %9.2f %9.2f %7.3f%%", v.kurtosis, v.absMaxOverStd, v.beyondSigma.empty() ? 0.0 : 100 * v.beyondSigma[0]);
        } else {
            std::printf(" %9s %9s %8s", "-", "-", "-");
        }
        if (!a.spectra.empty()) {
            const WeightSpectrum& s = a.spectra[i];
            char alpha[16] = "-"; // too few eigenvalues for a fit
            if (s.alpha.valid)
                std::snprintf(alpha, sizeof alpha, "%.2f", s.alpha.alpha);
            std::printf(" %7s %8.2f %7lld", alpha, s.stableRank, static_cast<long long>(s.rank95));
        } else
            std::printf(" %7s %8s %7s", "-", "-", "-");
        if (w4 >= 0 && w8 >= 0)
            std::printf(" %8.2f %8.2f\n", a.quantError.sqnrDb[i][size_t(w4)], a.quantError.sqnrDb[i][size_t(w8)]);
        else
            std::printf(" %8s %8s\n", "-", "-");
    }
    printCurvature(a);
    return 0;
}

// A safetensors checkpoint: its weights alone, streamed tensor by tensor.
int analyzeWeightsOnly(const CliArgs& args, const std::string& path, const std::string& out)
{
    if (args.has("activations") || args.has("hessian") || args.has("sensitivity"))
        throw UsageError("--activations, --hessian and --sensitivity run the model on data; a safetensors file is "
                         "analysed from its weights alone (--stats, --spectra, --quant-error)");
    AnalysisOptions options = weightOnlyAnalysisOptions();
    // No part named: all three.
    if (args.has("stats") || args.has("spectra") || args.has("quant-error")) {
        options.statistics = args.has("stats");
        options.spectra = args.has("spectra");
        options.quantError = args.has("quant-error");
    }
    options.statisticsOptions.sigmaMultiples = sigmaMultiples(args, options.statisticsOptions.sigmaMultiples);
    const std::vector<std::string> skipped = safetensorsLayers(SafetensorsFile(path)).unsupported;
    if (!skipped.empty())
        std::fprintf(stderr, "bitlens-cli: note: %zu tensor(s) in dtypes BitLens cannot analyse left out, e.g. %s\n",
                     skipped.size(), skipped[0].c_str());
    TerminalProgress progress(args);
    const ModelAnalysis analysis = analyzeSafetensors(path, options, progress);
    writeAnalysisBundle(analysis, out);
    return printAnalysis(analysis, out, args.has("json"));
}

// The Hessian's batches from --hessian-samples and --hessian-batches. Their defaults (512, 4)
// shrink to a smaller calibration set, said in one line; typed values that do not fit are errors.
void hessianBatches(const CliArgs& args, int64_t calibration, HessianOptions& h)
{
    const bool typedSamples = args.options.count("hessian-samples") > 0;
    const bool typedBatches = args.options.count("hessian-batches") > 0;
    long long samples = args.integer("hessian-samples", kHessianSamples, 1);
    if (samples > calibration) {
        if (typedSamples)
            throw UsageError("--hessian-samples " + std::to_string(samples) + " exceeds the "
                             + std::to_string(calibration) + " calibration samples (--calib)");
        samples = calibration;
        std::fprintf(stderr, "bitlens-cli: note: the Hessian uses all %lld calibration samples (--hessian-samples "
                             "defaults to %lld)\n", samples, kHessianSamples);
    }
    long long batches = args.integer("hessian-batches", h.batches, 1);
    if (batches > samples) {
        if (typedBatches)
            throw UsageError("--hessian-batches " + std::to_string(batches) + " exceeds the " + std::to_string(samples)
                             + " Hessian samples");
        batches = samples;
    }
    h.batches = batches;
    h.batchSize = samples / batches;
}

} // namespace

int runAnalyze(const CliArgs& args)
{
    const std::string out = args.value("out", "");
    if (out.empty())
        throw UsageError("'analyze' needs --out BUNDLE.h5");
    if (isSafetensorsPath(modelArgument(args)))
        return analyzeWeightsOnly(args, modelArgument(args), out);
    // Values the user typed are checked before the model loads; defaults follow the calibration set.
    if (args.options.count("calib") && args.options.count("hessian-samples")
        && args.integer("calib", 0, 1) < args.integer("hessian-samples", kHessianSamples, 1))
        throw UsageError("--hessian-samples " + args.value("hessian-samples", "") + " cannot exceed --calib "
                         + args.value("calib", ""));
    AnalysisOptions options;
    // No part named: all of them.
    if (args.has("stats") || args.has("activations") || args.has("spectra") || args.has("quant-error")
        || args.has("hessian") || args.has("sensitivity") || args.has("method-error")) {
        options.statistics = args.has("stats");
        options.activations = args.has("activations");
        options.spectra = args.has("spectra");
        options.quantError = args.has("quant-error");
    }
    options.hessian = args.has("hessian");
    options.sensitivity = args.has("sensitivity");
    options.methodError = args.has("method-error");
    HessianOptions& h = options.hessianOptions;
    h.topK = static_cast<int>(args.integer("top-k", h.topK, 1));
    h.seed = static_cast<uint64_t>(args.integer("seed", 0, 0));
    h.layers = args.value("layers", "");
    options.compute = computeOptions(args);
    SensitivityOptions& s = options.sensitivityOptions;
    s.estimators = listOption(args, "estimators", s.estimators);
    s.options = listOption(args, "candidates", s.options);
    // Plugins' estimators join the registry before it is read; hawq and its kind need the traces.
    for (const std::string& problem : loadEstimatorLibraries(estimatorPluginFolders()))
        std::cerr << "bitlens-cli: " << problem << "\n";
    for (const std::string& id : s.estimators) {
        const std::optional<EstimatorDescriptor> d = EstimatorRegistry::instance().find(id);
        if (options.sensitivity && d && d->needs.hessianTraces)
            options.hessian = true;
    }
    options.statisticsOptions.sigmaMultiples = sigmaMultiples(args, options.statisticsOptions.sigmaMultiples);
    TerminalProgress progress(args);
    Workspace w = openWorkspace(args, progress);
    if (options.hessian || options.sensitivity)
        hessianBatches(args, w.data.calibration.count(), h);
    const ModelAnalysis analysis = analyzeModel(*w.model, options, &w.data.calibration, progress);
    // Recording the dataset lets the GUI open the bundle as a session and measure on the same data.
    SessionState state;
    state.datasetPath = w.data.path;
    state.calibrationSize = w.dataOptions.calibrationSize;
    state.calibrationSeed = w.dataOptions.seed;
    writeAnalysisBundle(analysis, out, &state);
    return printAnalysis(analysis, out, args.has("json"));
}

int runShow(const CliArgs& args)
{
    if (args.positional.size() != 1)
        throw UsageError("'show' takes one BUNDLE.h5 argument");
    return printAnalysis(readAnalysisBundle(args.positional[0]), args.positional[0], args.has("json"));
}

int runMerge(const CliArgs& args)
{
    const std::string out = args.value("out", "");
    if (args.positional.size() < 2 || out.empty())
        throw UsageError("'merge' takes two or more BUNDLE.h5 arguments and --out MERGED.h5");
    std::vector<ModelAnalysis> parts;
    std::vector<HessianAnalysis> hessians;
    for (const std::string& path : args.positional) {
        parts.push_back(readAnalysisBundle(path));
        if (parts.back().modelSha256 != parts.front().modelSha256)
            throw Error(path + " is an analysis of another model (" + parts.back().modelPath + ") than "
                        + args.positional.front() + " (" + parts.front().modelPath + ")");
        hessians.push_back(parts.back().hessian);
    }
    std::vector<std::string> names;
    for (const LayerInfo& l : parts.front().layers)
        names.push_back(l.name);
    // The first bundle's other parts (statistics, spectra, ...) come along.
    ModelAnalysis merged = parts.front();
    merged.hessian = mergeHessianParts(hessians, args.positional, names);
    writeAnalysisBundle(merged, out);
    return printAnalysis(merged, out, args.has("json"));
}

} // namespace bitlens::cli
