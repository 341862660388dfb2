#pragma once
// Everything BitLens measures about a model's layers without running a plan: weight statistics,
// weight spectra and quantization error. Plain data; written to and read from the analysis
// bundle (core/io/analysis_bundle.h).

#include "../analysis/hessian_analysis.h"
#include "../compute_device.h"
#include "../analysis/sensitivity_analysis.h"
#include "../model/layer_info.h"
#include "activation_statistics.h"
#include "power_law.h"
#include "value_statistics.h"

#include <functional>
#include <string>
#include <vector>

namespace bitlens {

class Model;
class Progress;
struct SampleSet;

struct WeightSpectrum {
    std::vector<double> singularValues; // of the [out, in·k·k] view, descending
    std::vector<double> energy;         // cumulative fraction of Σσ², per rank
    double stableRank = 0.0;            // Σσ² / σ₁²
    double effectiveRank = 0.0;         // exp(entropy of σᵢ / Σσ) (Roy & Vetterli)
    int64_t rank90 = 0;                 // smallest rank keeping 90 / 95 / 99 % of the energy
    int64_t rank95 = 0;
    int64_t rank99 = 0;
    PowerLawFit alpha;                  // of the eigenvalues σ² of WᵀW, as WeightWatcher's alpha
};

// Derived figures from singular values alone (any order; sorted descending here); the power-law
// fit only when `fitAlpha`.
WeightSpectrum spectrumFromSingularValues(std::vector<double> singularValues, bool fitAlpha = true);

// ‖Q(W) − W‖², relative error ‖Q(W) − W‖² / ‖W‖², SQNR in dB, per layer and option; NaN where
// an option cannot apply to a layer (a group size that does not divide its input dimension).
struct QuantErrorTable {
    std::vector<std::string> options;             // specs in --uniform grammar, e.g. "w4:per-channel"
    std::vector<std::vector<double>> squaredError; // [layer][option]
    std::vector<std::vector<double>> relativeError;
    std::vector<std::vector<double>> sqnrDb;
    // The layer inputs' quantization (needs a calibration set; NaN for integer inputs), from
    // 2,048-bin histograms of the inputs, each value at its bin's centre.
    std::vector<std::string> activationOptions;        // e.g. "a8", "a4:percentile", "afp8_e4m3"
    std::vector<std::vector<double>> activationRelativeError; // [layer][option]
    std::vector<std::vector<double>> activationSqnrDb;
    // The layer's output error ‖(Ŵ − W)·X‖² / ‖W·X‖² on the calibration inputs per method and
    // width (method_errors.h); empty unless AnalysisOptions::methodError.
    std::vector<std::string> methodOptions;              // "w3:per-channel:gptq", ...
    std::vector<std::vector<double>> methodOutputError;  // [layer][option]
};
std::vector<std::string> quantErrorOptions();
std::vector<std::string> activationErrorOptions();

// How spectra get their singular values, both in float64.
// Svd: LAPACK's SVD of a float64 copy of the matrix, ~4·m·n² flops for m ≥ n; every σ accurate
//   to ~1e-15·σ₁.
// Gram: the square roots of the eigenvalues of the smaller Gram matrix (W·Wᵀ or Wᵀ·W), accumulated
//   from float64 blocks so no float64 copy of the matrix is held: ~2·m·n² flops and an n×n
//   symmetric eigensolve, 2-2.5× faster (2048×5504 on one core here: 2.0 s against 4.8 s); σ far
//   below σ₁ keep only absolute accuracy (~1e-8·σ₁), which none of the figures depends on.
enum class SpectrumMethod { Svd, Gram };

struct AnalysisOptions {
    bool statistics = true;
    bool activations = true; // needs a calibration set
    bool spectra = true;
    bool quantError = true;
    bool methodError = false; // each method's output error (needs a calibration set; GPTQ and AWQ on every layer)
    bool hessian = false;     // these two need a calibration set
    bool sensitivity = false;
    SpectrumMethod spectrumMethod = SpectrumMethod::Svd;
    StatisticsOptions statisticsOptions;
    HessianOptions hessianOptions; // its batches also serve the sensitivity estimators
    ComputeOptions compute;        // where the Hessian's and the estimators' graphs run
    SensitivityOptions sensitivityOptions;
};

struct ModelAnalysis {
    std::string modelPath;
    std::string modelSha256;
    std::vector<LayerInfo> layers;
    AnalysisOptions options;
    std::vector<WeightStatistics> weights;  // empty unless options.statistics
    std::vector<ActivationStatistics> activations; // empty unless options.activations
    std::vector<WeightSpectrum> spectra;    // empty unless options.spectra
    QuantErrorTable quantError;             // empty unless options.quantError
    HessianAnalysis hessian;                // empty unless options.hessian
    SensitivityAnalysis sensitivity;        // empty unless options.sensitivity
    double statisticsSeconds = 0.0;
    double activationSeconds = 0.0;
    double spectraSeconds = 0.0;
    double quantErrorSeconds = 0.0;
    double methodErrorSeconds = 0.0;
};

// Called on the analysing thread with everything computed so far, so a view can draw layers as
// they finish: `settled` after each stage (every part of `soFar` final), unsettled while the
// Hessian runs (hessian.layers holds the finished layers, the others with no eigenvalues yet,
// and traces are only their exact Krylov part until the end).
using PartialAnalysisCallback = std::function<void(const ModelAnalysis& soFar, bool settled)>;

// `calibration` may be null: no activation statistics then, and Error when the Hessian or
// sensitivity is asked for. Threading: uses `model` exclusively while it runs. Throws Cancelled.
ModelAnalysis analyzeModel(Model& model, const AnalysisOptions& options, const SampleSet* calibration, Progress& progress,
                           const PartialAnalysisCallback& onPartial = {});

// `update`'s parts replace `into`'s where `update` has them, so analyses run one part at a time
// add up; a different model (layer names) replaces everything.
void mergeAnalysis(ModelAnalysis& into, ModelAnalysis update);

} // namespace bitlens
