#include "hessian_engine.h"

#include "../progress.h"
#include "../stopwatch.h"
#include "reference_estimators.h"
#include "spectral_density.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>

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

// Running mean and variance of one layer's Hutchinson samples (Welford).
struct TraceSampler {
    double exact = 0.0; // Σα of the Krylov part
    bool active = false;
    int64_t count = 0;
    double mean = 0.0;
    double m2 = 0.0;
    void add(double x)
    {
        ++count;
        const double delta = x - mean;
        mean += delta / double(count);
        m2 += delta * (x - mean);
    }
    double standardError() const { return count > 1 ? std::sqrt(m2 / double(count - 1) / double(count)) : kNaN; }
    double trace() const { return exact + mean; }
};

} // namespace

HessianAnalysis analyzeHessian(HessianOperator& op, const std::vector<std::string>& layerNames,
                               const HessianOptions& o, Progress& progress, const LayerHessianCallback& onLayer)
{
    const auto start = std::chrono::steady_clock::now();
    const int64_t layerProducts0 = op.layerProducts(), modelProducts0 = op.modelProducts();
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(o.seed);
    const size_t count = op.layerCount();
    HessianAnalysis a;
    a.options = o;
    a.samples = op.samples();
    a.loss = op.loss();
    a.layers.resize(count);
    std::vector<torch::Tensor> bases(count);
    std::vector<TraceSampler> samplers(count);

    for (size_t l = 0; l < count; ++l) {
        LayerHessian& h = a.layers[l];
        const int64_t n = op.layerSize(l);
        const auto product = [&op, &progress, l](const torch::Tensor& v) { return op.layerProduct(l, v, progress); };
        const auto report = [&](const char* what) {
            return [&, what](int step) {
                progress.report(0.75 * double(l) / double(count),
                                "Hessian of " + layerNames[l] + " (layer " + std::to_string(l + 1) + " of "
                                    + std::to_string(count) + "): " + what + " step " + std::to_string(step));
            };
        };
        LanczosOptions lo;
        lo.topK = o.topK;
        lo.tolerance = o.eigenTolerance;
        lo.minSteps = o.densitySteps;
        lo.maxSteps = std::max(o.maxLanczosSteps, o.densitySteps);
        const LanczosResult run = lanczos(product, rademacher(n, generator), lo, report("Lanczos"));
        h.lanczosSteps = int(run.alpha.size());
        h.topEigenvalues.assign(run.ritzValues.begin(), run.ritzValues.begin() + std::min<size_t>(size_t(o.topK), run.ritzValues.size()));
        if (!run.finite) {
            markNotFinite(h, layerNames[l], "Lanczos");
            continue;
        }
        std::vector<QuadratureRule> rules{{run.ritzValues, run.ritzWeights}};
        LanczosOptions densityRun = lo;
        densityRun.topK = 0; // run exactly densitySteps
        densityRun.maxSteps = o.densitySteps;
        for (int v = 1; v < o.densityVectors && h.problem.empty(); ++v) {
            const LanczosResult extra = lanczos(product, rademacher(n, generator), densityRun, report("density"));
            if (!extra.finite)
                markNotFinite(h, layerNames[l], "density");
            rules.push_back({extra.ritzValues, extra.ritzWeights});
        }
        if (!h.problem.empty())
            continue;
        const SpectralDensity density = spectralDensity(rules, o.densityPoints, o.densitySigma);
        h.densityGrid = density.grid;
        h.density = density.density;
        op.layerProduct(l, run.topRitzVector, progress, &h.topEigenvalueBatches);
        h.topEigenvalueSpread = standardDeviation(h.topEigenvalueBatches);

        TraceSampler& s = samplers[l];
        for (double alpha : run.alpha)
            s.exact += alpha;
        // A basis spanning the whole space leaves nothing to sample.
        s.active = run.basis.size(0) < n;
        bases[l] = run.basis;
        if (onLayer) {
            h.trace = s.trace();
            onLayer(l, h);
        }
    }

    for (int sample = 0; sample < o.maxTraceSamples; ++sample) {
        std::vector<torch::Tensor> z(count);
        bool any = false;
        for (size_t l = 0; l < count; ++l) {
            if (!samplers[l].active)
                continue;
            const torch::Tensor r = rademacher(op.layerSize(l), generator);
            z[l] = r - at::matmul(bases[l].t(), at::matmul(bases[l], r));
            any = true;
        }
        if (!any)
            break;
        progress.checkCancelled();
        progress.report(0.75 + 0.2 * double(sample) / double(o.maxTraceSamples),
                        "Hessian traces: Hutchinson sample " + std::to_string(sample + 1));
        const std::vector<torch::Tensor> hz = op.modelProduct(z, progress);
        for (size_t l = 0; l < count; ++l) {
            TraceSampler& s = samplers[l];
            if (!s.active)
                continue;
            const double x = at::dot(z[l], hz[l]).item<double>();
            if (!std::isfinite(x)) {
                markNotFinite(a.layers[l], layerNames[l], "trace");
                s.active = false;
                continue;
            }
            s.add(x);
            const double error = s.standardError();
            if (s.count >= o.minTraceSamples && error <= o.traceTolerance * std::abs(s.trace()))
                s.active = false;
        }
    }
    for (size_t l = 0; l < count; ++l) {
        LayerHessian& h = a.layers[l];
        if (!h.problem.empty())
            continue;
        h.trace = samplers[l].trace();
        h.traceSamples = samplers[l].count;
        h.traceStdErr = samplers[l].count == 0 ? 0.0 : samplers[l].standardError();
    }

    if (o.modelEigenvalues) {
        std::vector<int64_t> sizes;
        int64_t total = 0;
        for (size_t l = 0; l < count; ++l) {
            sizes.push_back(op.layerSize(l));
            total += sizes.back();
        }
        const auto product = [&](const torch::Tensor& v) {
            std::vector<torch::Tensor> parts;
            for (const torch::Tensor& p : v.split_with_sizes(sizes))
                parts.push_back(p.contiguous());
            return torch::cat(op.modelProduct(parts, progress));
        };
        LanczosOptions lo;
        lo.topK = o.topK;
        lo.tolerance = o.eigenTolerance;
        lo.maxSteps = o.maxLanczosSteps;
        const LanczosResult run = lanczos(product, rademacher(total, generator), lo, [&](int step) {
            progress.report(0.95, "Hessian of the whole model: Lanczos step " + std::to_string(step));
        });
        a.modelTopEigenvalues.assign(run.ritzValues.begin(),
                                     run.ritzValues.begin() + std::min<size_t>(size_t(o.topK), run.ritzValues.size()));
        if (!run.finite)
            a.modelTopEigenvalues.assign(a.modelTopEigenvalues.size(), kNaN);
    }
    a.layerProducts = op.layerProducts() - layerProducts0;
    a.modelProducts = op.modelProducts() - modelProducts0;
    a.seconds = secondsSince(start);
    progress.report(1.0, "Hessian analysed");
    return a;
}

} // namespace bitlens
