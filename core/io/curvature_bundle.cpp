#include "curvature_bundle.h"

#include "../errors.h"
#include "../quant/option_spec.h"
#include "hdf5_helpers.h"

#include <algorithm>
#include <cmath>

namespace bitlens {
namespace {

using namespace h5;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Rows of unequal length (a tiny layer has fewer than k eigenvalues) padded with NaN.
std::vector<std::vector<double>> padded(std::vector<std::vector<double>> rows)
{
    size_t width = 0;
    for (const auto& r : rows)
        width = std::max(width, r.size());
    for (auto& r : rows)
        r.resize(width, kNaN);
    return rows;
}

std::vector<double> unpadded(std::vector<double> row)
{
    while (!row.empty() && std::isnan(row.back()))
        row.pop_back();
    return row;
}

size_t columnsOf(const H5::Group& g, const std::string& name)
{
    std::vector<hsize_t> dims;
    readData<double>(g, name, H5::PredType::NATIVE_DOUBLE, &dims);
    return dims.size() == 2 ? size_t(dims[1]) : 0;
}

// Each distinct option once, in the plan file's JSON schema, and per (layer, option) cell its index:
// a model's layers share few options.
void writeLayerOptions(H5::Group& g, const std::vector<std::vector<LayerOption>>& layerOptions)
{
    std::vector<LayerOption> distinct;
    std::vector<int64_t> cells;
    for (const std::vector<LayerOption>& row : layerOptions)
        for (const LayerOption& option : row) {
            auto found = std::find(distinct.begin(), distinct.end(), option);
            if (found == distinct.end())
                found = distinct.insert(distinct.end(), option);
            cells.push_back(int64_t(found - distinct.begin()));
        }
    std::vector<std::string> texts;
    for (const LayerOption& option : distinct)
        texts.push_back(optionToJsonText(option));
    H5::Group o = g.createGroup("layer_options");
    writeStrings(o, "distinct", texts);
    writeVector(o, "cells", cells);
}

std::vector<std::vector<LayerOption>> readLayerOptions(const H5::Group& g, size_t layerCount, size_t optionCount)
{
    const H5::Group o = g.openGroup("layer_options");
    std::vector<LayerOption> distinct;
    for (const std::string& text : readStrings(o, "distinct"))
        distinct.push_back(optionFromJsonText(text, "/sensitivity/layer_options"));
    const std::vector<int64_t> cells = readInts(o, "cells");
    if (cells.size() != layerCount * optionCount)
        throw Error("/sensitivity/layer_options holds " + std::to_string(cells.size()) + " cells for "
                    + std::to_string(layerCount) + " layers and " + std::to_string(optionCount) + " options");
    std::vector<std::vector<LayerOption>> layerOptions(layerCount);
    for (size_t c = 0; c < cells.size(); ++c) {
        if (cells[c] < 0 || size_t(cells[c]) >= distinct.size())
            throw Error("/sensitivity/layer_options: cell " + std::to_string(c) + " names option " + std::to_string(cells[c])
                        + ", out of range");
        layerOptions[c / optionCount].push_back(distinct[size_t(cells[c])]);
    }
    return layerOptions;
}

} // namespace

void writeHessian(H5::H5File& file, const HessianAnalysis& h, const std::vector<std::string>& layers)
{
    H5::Group g = file.createGroup("/hessian");
    const HessianOptions& o = h.options;
    stamp(g, h.seconds,
          "Hessian-vector products by double back-propagation, averaged over the calibration batches; top "
          "eigenvalues by Lanczos with full re-orthogonalisation; trace = the Lanczos Krylov part exactly plus "
          "Hutchinson (Rademacher, projected off that basis; whole-model probes shared by every layer, then, per layer, "
          "layer-local probes where their measured variance and cost reach the target sooner, combined by inverse "
          "variance); "
          "density by stochastic Lanczos quadrature with Gaussian broadening",
          int64_t(o.seed));
    setInt(g, "batches", o.batches);
    setInt(g, "batch_size", o.batchSize);
    setInt(g, "samples", h.samples);
    setReal(g, "loss", h.loss);
    setInt(g, "top_k", o.topK);
    setReal(g, "eigen_tolerance", o.eigenTolerance);
    setInt(g, "max_lanczos_steps", o.maxLanczosSteps);
    setReal(g, "trace_tolerance", o.traceTolerance);
    setReal(g, "trace_floor", o.traceFloor);
    setString(g, "layer_pattern", o.layers);
    setInt(g, "min_trace_samples", o.minTraceSamples);
    setInt(g, "max_trace_samples", o.maxTraceSamples);
    setInt(g, "density_vectors", o.densityVectors);
    setInt(g, "density_steps", o.densitySteps);
    setInt(g, "density_points", o.densityPoints);
    setReal(g, "density_sigma", o.densitySigma);
    setInt(g, "layer_hvps", h.layerProducts);
    setInt(g, "model_hvps", h.modelProducts);
    std::vector<std::vector<double>> top, batches;
    std::vector<double> spread, trace, stderr_, samples, localSamples, converged, steps;
    std::vector<std::string> problems;
    for (const LayerHessian& l : h.layers) {
        top.push_back(l.topEigenvalues);
        batches.push_back(l.topEigenvalueBatches);
        spread.push_back(l.topEigenvalueSpread);
        trace.push_back(l.trace);
        stderr_.push_back(l.traceStdErr);
        samples.push_back(double(l.traceSamples));
        localSamples.push_back(double(l.traceLocalSamples));
        converged.push_back(l.traceConverged ? 1.0 : 0.0);
        steps.push_back(l.lanczosSteps);
        if (!l.problem.empty())
            problems.push_back(l.problem);
    }
    writeMatrix(g, "top_eigenvalues", padded(top));
    writeMatrix(g, "top_eigenvalue_batches", padded(batches));
    writeVector(g, "top_eigenvalue_spread", spread);
    writeVector(g, "trace", trace);
    writeVector(g, "trace_stderr", stderr_);
    writeVector(g, "trace_samples", samples);
    writeVector(g, "trace_local_samples", localSamples);
    writeVector(g, "trace_converged", converged);
    writeVector(g, "lanczos_steps", steps);
    writeVector(g, "model_top_eigenvalues", h.modelTopEigenvalues);
    writeStrings(g, "problems", problems);
    H5::Group density = g.createGroup("density");
    for (size_t l = 0; l < h.layers.size(); ++l) {
        H5::Group d = density.createGroup(layers[l]);
        writeVector(d, "grid", h.layers[l].densityGrid);
        writeVector(d, "density", h.layers[l].density);
    }
}

HessianAnalysis readHessian(const H5::H5File& file, const std::vector<std::string>& layers)
{
    const H5::Group g = file.openGroup("/hessian");
    HessianAnalysis h;
    HessianOptions& o = h.options;
    o.seed = uint64_t(getInt(g, "seed"));
    o.batches = getInt(g, "batches");
    o.batchSize = getInt(g, "batch_size");
    o.topK = int(getInt(g, "top_k"));
    o.eigenTolerance = getReal(g, "eigen_tolerance");
    o.maxLanczosSteps = int(getInt(g, "max_lanczos_steps"));
    o.traceTolerance = getReal(g, "trace_tolerance");
    // Bundles before per-layer probes and layer patterns: whole-model probes only, every layer.
    const bool localProbes = g.attrExists("trace_floor");
    if (localProbes) {
        o.traceFloor = getReal(g, "trace_floor");
        o.layers = getString(g, "layer_pattern");
    }
    o.minTraceSamples = int(getInt(g, "min_trace_samples"));
    o.maxTraceSamples = int(getInt(g, "max_trace_samples"));
    o.densityVectors = int(getInt(g, "density_vectors"));
    o.densitySteps = int(getInt(g, "density_steps"));
    o.densityPoints = int(getInt(g, "density_points"));
    o.densitySigma = getReal(g, "density_sigma");
    h.samples = getInt(g, "samples");
    h.loss = getReal(g, "loss");
    h.seconds = getReal(g, "wall_seconds");
    h.layerProducts = getInt(g, "layer_hvps");
    h.modelProducts = getInt(g, "model_hvps");
    const size_t count = layers.size();
    const auto perLayer = [&](const char* name) {
        std::vector<double> v = readDoubles(g, name);
        if (v.size() != count)
            throw Error(std::string("/hessian/") + name + " has " + std::to_string(v.size()) + " values for "
                        + std::to_string(count) + " layers");
        return v;
    };
    const auto top = readMatrix(g, "top_eigenvalues", count, columnsOf(g, "top_eigenvalues"));
    const auto batches = readMatrix(g, "top_eigenvalue_batches", count, columnsOf(g, "top_eigenvalue_batches"));
    const std::vector<double> spread = perLayer("top_eigenvalue_spread"), trace = perLayer("trace"),
                              stderr_ = perLayer("trace_stderr"), samples = perLayer("trace_samples"),
                              steps = perLayer("lanczos_steps");
    const std::vector<double> localSamples = localProbes ? perLayer("trace_local_samples") : std::vector<double>(count, 0.0);
    const std::vector<double> converged = localProbes ? perLayer("trace_converged") : std::vector<double>(count, kNaN);
    std::vector<std::string> problems = readStrings(g, "problems");
    for (size_t l = 0; l < count; ++l) {
        LayerHessian x;
        x.topEigenvalues = unpadded(top[l]);
        x.topEigenvalueBatches = unpadded(batches[l]);
        x.topEigenvalueSpread = spread[l];
        x.trace = trace[l];
        x.traceStdErr = stderr_[l];
        x.traceSamples = int64_t(samples[l]);
        x.traceLocalSamples = int64_t(localSamples[l]);
        // An old bundle did not record it: within the tolerance it was asked for.
        x.traceConverged = std::isnan(converged[l]) ? x.traceStdErr <= o.traceTolerance * std::abs(x.trace) : converged[l] > 0.5;
        x.lanczosSteps = int(steps[l]);
        const H5::Group d = g.openGroup("density/" + layers[l]);
        x.densityGrid = readDoubles(d, "grid");
        x.density = readDoubles(d, "density");
        for (const std::string& p : problems) {
            if (p.rfind("layer '" + layers[l] + "'", 0) == 0)
                x.problem = p;
        }
        h.layers.push_back(std::move(x));
    }
    h.modelTopEigenvalues = readDoubles(g, "model_top_eigenvalues");
    return h;
}

void writeSensitivity(H5::H5File& file, const SensitivityAnalysis& s)
{
    H5::Group g = file.createGroup("/sensitivity");
    setInt(g, "samples", s.samples);
    setReal(g, "baseline_loss", s.baselineLoss);
    writeStrings(g, "options", s.options);
    writeLayerOptions(g, s.layerOptions);
    writeStrings(g, "problems", s.problems);
    std::vector<std::string> estimators;
    for (const CostTable& t : s.tables) {
        estimators.push_back(t.estimator);
        H5::Group e = g.createGroup(t.estimator);
        stamp(e, t.seconds, t.estimator);
        setInt(e, "hvp_count", t.products);
        setReal(e, "spearman", t.agreement.spearman);
        setReal(e, "kendall", t.agreement.kendall);
        setInt(e, "agreement_cells", t.agreement.cells);
        writeMatrix(e, "delta_loss", t.deltaLoss);
        writeStrings(e, "top_layers", t.topLayers);
    }
    writeStrings(g, "estimators", estimators);
}

SensitivityAnalysis readSensitivity(const H5::H5File& file, const std::vector<LayerInfo>& layers, int version)
{
    const size_t layerCount = layers.size();
    const H5::Group g = file.openGroup("/sensitivity");
    SensitivityAnalysis s;
    s.samples = getInt(g, "samples");
    s.baselineLoss = getReal(g, "baseline_loss");
    s.options = readStrings(g, "options");
    try {
        s.layerOptions = version >= 2 ? readLayerOptions(g, layerCount, s.options.size())
                                      : resolveCandidates(s.options, layers);
    } catch (const PlanError& e) {
        throw Error(std::string("/sensitivity: ") + e.what());
    }
    s.problems = readStrings(g, "problems");
    for (const std::string& estimator : readStrings(g, "estimators")) {
        const H5::Group e = g.openGroup(estimator);
        CostTable t;
        t.estimator = estimator;
        t.seconds = getReal(e, "wall_seconds");
        t.products = getInt(e, "hvp_count");
        t.agreement.spearman = getReal(e, "spearman");
        t.agreement.kendall = getReal(e, "kendall");
        t.agreement.cells = getInt(e, "agreement_cells");
        t.deltaLoss = readMatrix(e, "delta_loss", layerCount, s.options.size());
        t.topLayers = readStrings(e, "top_layers");
        s.tables.push_back(std::move(t));
    }
    return s;
}

} // namespace bitlens
