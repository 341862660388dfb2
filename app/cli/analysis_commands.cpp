// bitlens-cli analyze and show: per-layer statistics, spectra and quantization error, written to
// an analysis bundle, and a summary table of one.

#include "cli_commands.h"
#include "cli_support.h"

#include "core/io/analysis_bundle.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace bitlens::cli {
namespace {

using nlohmann::json;

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

int printAnalysis(const ModelAnalysis& a, const std::string& bundle, bool asJson)
{
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
        std::cout << json{{"bundle", bundle}, {"model", a.modelPath}, {"sha256", a.modelSha256}, {"layers", layers},
                          {"statistics_seconds", a.statisticsSeconds}, {"spectra_seconds", a.spectraSeconds},
                          {"quant_error_seconds", a.quantErrorSeconds}}
                         .dump()
                  << "\n";
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
    return 0;
}

} // namespace

int runAnalyze(const CliArgs& args)
{
    const std::string out = args.value("out", "");
    if (out.empty())
        throw UsageError("'analyze' needs --out BUNDLE.h5");
    AnalysisOptions options;
    // No part named: all of them.
    if (args.has("stats") || args.has("activations") || args.has("spectra") || args.has("quant-error")) {
        options.statistics = args.has("stats");
        options.activations = args.has("activations");
        options.spectra = args.has("spectra");
        options.quantError = args.has("quant-error");
    }
    if (args.options.count("sigmas")) {
        // "--sigmas 3,6": the k of the fraction of values beyond k·σ.
        options.statisticsOptions.sigmaMultiples.clear();
        std::string list = args.value("sigmas", "");
        for (size_t start = 0; start <= list.size();) {
            const size_t end = std::min(list.find(',', start), list.size());
            CliArgs one;
            one.options["sigmas"] = list.substr(start, end - start);
            options.statisticsOptions.sigmaMultiples.push_back(one.real("sigmas", 0.0, 0.5, 100.0));
            start = end + 1;
        }
    }
    TerminalProgress progress;
    Workspace w = openWorkspace(args, progress);
    const ModelAnalysis analysis = analyzeModel(*w.model, options, &w.data.calibration, progress);
    writeAnalysisBundle(analysis, out);
    return printAnalysis(analysis, out, args.has("json"));
}

int runShow(const CliArgs& args)
{
    if (args.positional.size() != 1)
        throw UsageError("'show' takes one BUNDLE.h5 argument");
    return printAnalysis(readAnalysisBundle(args.positional[0]), args.positional[0], args.has("json"));
}

} // namespace bitlens::cli
