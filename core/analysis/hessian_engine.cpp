#include "hessian_engine.h"

#include "../progress.h"
#include "../stopwatch.h"
#include "reference_estimators.h"
#include "spectral_density.h"
#include "trace_estimator.h"

#include "../errors.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <regex>

namespace bitlens {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void markNotFinite(LayerHessian& h, const std::string& layer, const char* where)
{
    h.problem = "layer '" + layer + "': a Hessian-vector product is not finite (" + where + ")";
    h.topEigenvalues.assign(h.topEigenvalues.size(), kNaN);
    h.trace = h.traceStdErr = h.topEigenvalueSpread = kNaN;
}

double standardDeviation(const std::vector<double>& v)
{
    if (v.size() < 2)
        return 0.0;
    double mean = 0.0;
    for (double x : v)
        mean += x / double(v.size());
    double s = 0.0;
    for (double x : v)
        s += (x - mean) * (x - mean);
    return std::sqrt(s / double(v.size() - 1));
}

// The layers options.layers selects (all when it is empty). Throws Error on a malformed pattern
// or one that selects nothing.
std::vector<size_t> selectedLayers(const std::vector<std::string>& names, const std::string& pattern)
{
    std::vector<size_t> chosen;
    if (pattern.empty()) {
        for (size_t l = 0; l < names.size(); ++l)
            chosen.push_back(l);
        return chosen;
    }
    std::regex re;
    try {
        re = std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        throw Error("the layer pattern '" + pattern + "' is not a regular expression (" + e.what() + ")");
    }
    for (size_t l = 0; l < names.size(); ++l) {
        if (std::regex_match(names[l], re))
            chosen.push_back(l);
    }
    if (chosen.empty())
        throw Error("the layer pattern '" + pattern + "' matches none of the " + std::to_string(names.size())
                    + " layers (it must match a whole name, e.g. '.*mlp.*')");
    return chosen;
}

// Lanczos for the top eigenvalues (its tridiagonal the first SLQ rule), densityVectors − 1 more
// runs for the density, the top eigenvector's quotient per batch. Fills `trace` with the Krylov
// part; the rest comes from estimateTraces.
LayerHessian layerSpectrum(HessianOperator& op, size_t l, const std::string& name, const HessianOptions& o,
                           at::Generator& generator, TraceInput& trace, Progress& progress,
                           const std::function<void(const char*, int)>& report)
{
    LayerHessian h;
    const int64_t n = op.layerSize(l);
    const auto product = [&op, &progress, l](const torch::Tensor& v) { return op.layerProduct(l, v, progress); };
    LanczosOptions lo;
    lo.topK = o.topK;
    lo.tolerance = o.eigenTolerance;
    lo.minSteps = o.densitySteps;
    lo.maxSteps = lanczosStepsThatFit(n, std::max(o.maxLanczosSteps, lo.minSteps));
    const torch::Device there = op.vectorDevice();
    const LanczosResult run = lanczos(product, rademacher(n, generator, there), lo, [&](int step) { report("Lanczos", step); });
    h.lanczosSteps = int(run.alpha.size());
    h.topEigenvalues.assign(run.ritzValues.begin(), run.ritzValues.begin() + std::min<size_t>(size_t(o.topK), run.ritzValues.size()));
    if (!run.finite) {
        markNotFinite(h, name, "Lanczos");
        return h;
    }
    std::vector<QuadratureRule> rules{{run.ritzValues, run.ritzWeights}};
    LanczosOptions densityRun = lo;
    densityRun.topK = 0; // run exactly densitySteps
    densityRun.maxSteps = o.densitySteps;
    for (int v = 1; v < o.densityVectors; ++v) {
        const LanczosResult extra = lanczos(product, rademacher(n, generator, there), densityRun, [&](int step) { report("density", step); });
        if (!extra.finite) {
            markNotFinite(h, name, "density");
            return h;
        }
        rules.push_back({extra.ritzValues, extra.ritzWeights});
    }
    const SpectralDensity density = spectralDensity(rules, o.densityPoints, o.densitySigma);
    h.densityGrid = density.grid;
    h.density = density.density;
    op.layerProduct(l, run.topRitzVector, progress, &h.topEigenvalueBatches);
    h.topEigenvalueSpread = standardDeviation(h.topEigenvalueBatches);
    trace.layer = l;
    trace.basis = run.basis;
    for (double alpha : run.alpha)
        trace.exact += alpha;
    h.trace = trace.exact;
    return h;
}

// The top eigenvalues of the analysed layers' joint block (the whole model's when all are), or
// why not: a basis of enough steps must fit in memory.
void modelTopEigenvalues(HessianOperator& op, const std::vector<size_t>& chosen, const HessianOptions& o,
                         at::Generator& generator, Progress& progress, HessianAnalysis& a)
{
    std::vector<int64_t> sizes;
    int64_t total = 0;
    for (size_t l : chosen) {
        sizes.push_back(op.layerSize(l));
        total += sizes.back();
    }
    LanczosOptions lo;
    lo.topK = o.topK;
    lo.tolerance = o.eigenTolerance;
    lo.maxSteps = lanczosStepsThatFit(total, o.maxLanczosSteps);
    if (lo.maxSteps < 2 * o.topK + 2) {
        a.modelEigenvaluesSkipped = "the Lanczos vectors of " + std::to_string(total) + " parameters need "
                                    + std::to_string(int64_t(std::ceil(8.0 * double(total) * (2 * o.topK + 2) / double(1 << 30))))
                                    + " GiB for even " + std::to_string(2 * o.topK + 2) + " steps";
        return;
    }
    const auto product = [&](const torch::Tensor& v) {
        std::vector<torch::Tensor> parts(op.layerCount());
        const std::vector<torch::Tensor> pieces = v.split_with_sizes(sizes);
        for (size_t i = 0; i < chosen.size(); ++i)
            parts[chosen[i]] = pieces[i].contiguous();
        std::vector<torch::Tensor> rows = op.modelProduct(parts, progress);
        std::vector<torch::Tensor> ours;
        for (size_t l : chosen)
            ours.push_back(rows[l]);
        return torch::cat(ours);
    };
    const LanczosResult run = lanczos(product, rademacher(total, generator), lo, [&](int step) {
        progress.report(0.95, "Hessian of the analysed layers together: Lanczos step " + std::to_string(step));
    });
    a.modelTopEigenvalues.assign(run.ritzValues.begin(), run.ritzValues.begin() + std::min<size_t>(size_t(o.topK), run.ritzValues.size()));
    if (!run.finite)
        a.modelTopEigenvalues.assign(a.modelTopEigenvalues.size(), kNaN);
}

} // namespace

HessianAnalysis analyzeHessian(HessianOperator& op, const std::vector<std::string>& layerNames,
                               const HessianOptions& o, Progress& progress, const LayerHessianCallback& onLayer)
{
    const auto start = std::chrono::steady_clock::now();
    const int64_t layerProducts0 = op.layerProducts(), modelProducts0 = op.modelProducts();
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(o.seed);
    const std::vector<size_t> chosen = selectedLayers(layerNames, o.layers);
    HessianAnalysis a;
    a.options = o;
    a.samples = op.samples();
    a.loss = op.loss();
    a.layers.resize(op.layerCount());
    for (LayerHessian& h : a.layers)
        h.trace = h.traceStdErr = kNaN; // stays so for a layer not analysed
    std::vector<TraceInput> traces;
    std::vector<size_t> traced; // their layers
    for (size_t i = 0; i < chosen.size(); ++i) {
        const size_t l = chosen[i];
        const auto report = [&](const char* what, int step) {
            progress.report(0.75 * double(i) / double(chosen.size()),
                            "Hessian of " + layerNames[l] + " (layer " + std::to_string(i + 1) + " of "
                                + std::to_string(chosen.size()) + "): " + what + " step " + std::to_string(step));
        };
        TraceInput trace;
        LayerHessian& h = a.layers[l] = layerSpectrum(op, l, layerNames[l], o, generator, trace, progress, report);
        if (!h.problem.empty())
            continue;
        traces.push_back(std::move(trace));
        traced.push_back(l);
        if (onLayer)
            onLayer(l, h);
    }
    const std::vector<TraceEstimate> estimates = estimateTraces(op, traces, o, generator, progress, 0.75, 0.95);
    for (size_t i = 0; i < traced.size(); ++i) {
        LayerHessian& h = a.layers[traced[i]];
        const TraceEstimate& e = estimates[i];
        if (std::isnan(e.trace)) {
            markNotFinite(h, layerNames[traced[i]], "trace");
            continue;
        }
        h.trace = e.trace;
        h.traceStdErr = e.stdErr;
        h.traceSamples = e.samples;
        h.traceLocalSamples = e.localSamples;
        h.traceConverged = e.converged;
    }
    if (o.modelEigenvalues && traced.size() == 1) // that layer's block is all there is
        a.modelTopEigenvalues = a.layers[traced[0]].topEigenvalues;
    else if (o.modelEigenvalues)
        modelTopEigenvalues(op, traced, o, generator, progress, a);
    a.layerProducts = op.layerProducts() - layerProducts0;
    a.modelProducts = op.modelProducts() - modelProducts0;
    a.seconds = secondsSince(start);
    progress.report(1.0, "Hessian analysed");
    return a;
}

} // namespace bitlens
