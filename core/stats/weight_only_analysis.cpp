#include "weight_only_analysis.h"

#include "../analysis/weight_error_estimator.h"
#include "../errors.h"
#include "../io/safetensors_tensor.h"
#include "../model/safetensors_layers.h"
#include "../progress.h"
#include "../stopwatch.h"
#include "../torch_error.h"
#include "sha256.h"
#include "weight_matrix_figures.h"

#include <chrono>

namespace bitlens {
namespace {

// Runs `part` and adds its wall time to `seconds`.
template <typename F>
void timed(double& seconds, F part)
{
    const auto start = std::chrono::steady_clock::now();
    part();
    seconds += secondsSince(start);
}

ModelAnalysis analyze(const std::string& path, const AnalysisOptions& options, Progress& progress)
{
    if (options.hessian)
        throw Error(path + ": the Hessian needs a model to run on data, which a weight-only analysis of a "
                           "safetensors file has not");
    const SafetensorsFile file(path);
    const SafetensorsLayers found = safetensorsLayers(file);
    if (found.layers.empty())
        throw Error(path + ": no F32, F16 or BF16 tensor of rank 2 or more to analyse");
    ModelAnalysis a;
    a.modelPath = path;
    a.options = options;
    a.options.activations = false;
    a.options.sensitivity = false;
    int64_t total = 0;
    for (const SafetensorsLayer& l : found.layers) {
        a.layers.push_back(l.info);
        total += l.info.weightParams;
    }
    progress.report(0.0, "Hashing " + path);
    a.modelSha256 = sha256File(path);
    if (options.quantError)
        a.quantError.options = quantErrorOptions();
    const std::vector<WeightQuant> quants = weightQuantsOf(a.quantError.options);
    torch::NoGradGuard noGrad;
    int64_t done = 0;
    for (const SafetensorsLayer& l : found.layers) {
        progress.checkCancelled();
        progress.report(double(done) / double(total), "Analysing " + l.info.name);
        const torch::Tensor weight = readFloat32Tensor(file, *l.weight);
        const torch::Tensor matrix = weightMatrixOf(weight);
        if (options.statistics)
            timed(a.statisticsSeconds, [&] {
                a.weights.push_back(weightStatistics(weight.data_ptr<float>(), l.info.weightShape, options.statisticsOptions));
            });
        if (options.spectra)
            timed(a.spectraSeconds, [&] { a.spectra.push_back(matrixSpectrum(matrix, options.spectrumMethod)); });
        if (options.quantError)
            timed(a.quantErrorSeconds, [&] { appendQuantErrors(a.quantError, matrix, quants); });
        done += l.info.weightParams;
    }
    if (options.quantError) {
        a.sensitivity = weightErrorSensitivity(a.quantError, a.layers);
        a.options.sensitivity = true; // the flags say what the analysis holds, as a bundle read back does
        a.options.sensitivityOptions.options = a.sensitivity.options;
        a.options.sensitivityOptions.estimators = {kWeightErrorEstimator};
    }
    progress.report(1.0, "Analysed " + path);
    return a;
}

} // namespace

AnalysisOptions weightOnlyAnalysisOptions()
{
    AnalysisOptions o;
    o.activations = false;
    o.spectrumMethod = SpectrumMethod::Gram;
    return o;
}

ModelAnalysis analyzeSafetensors(const std::string& path, const AnalysisOptions& options, Progress& progress)
{
    try {
        return analyze(path, options, progress);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(path + ": the weight-only analysis failed (" + torchErrorSummary(e) + ")");
    }
}

} // namespace bitlens
