#include "analysis_bundle.h"

#include "../errors.h"
#include "../hdf5_error.h"
#include "../runtime.h"
#include "atomic_file.h"
#include "curvature_bundle.h"
#include "hdf5_helpers.h"
#include "hdf5_probe.h"
#include "session_group.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>

namespace bitlens {
namespace {

using namespace h5;

constexpr const char* kFileFormat = "bitlens-analysis";
// Version 2 stores the option each sensitivity column gives each layer (/sensitivity/layer_options);
// version 1 bundles resolve them from the column names when read.
constexpr int kVersion = 2;
constexpr int kOldestVersion = 1;


// One float64 [L] dataset of a per-layer figure.
template <typename T, typename F>
void writePerLayer(H5::Group& g, const std::string& name, const std::vector<T>& items, F figure)
{
    std::vector<double> v;
    for (const T& item : items)
        v.push_back(figure(item));
    writeVector(g, name, v);
}

// The figures weights and inputs share, [L] each (NaN for a layer whose input was not measured),
// and one histogram per layer under hist/.
void writeValueStatistics(H5::Group& g, const ModelAnalysis& a, const std::vector<const ValueStatistics*>& values)
{
    const StatisticsOptions& o = a.options.statisticsOptions;
    setReals(g, "sigma_multiples", o.sigmaMultiples);
    setInt(g, "max_bins", o.maxBins);
    const auto column = [&](const std::string& name, const std::function<double(const ValueStatistics&)>& figure) {
        writePerLayer(g, name, values, [&](const ValueStatistics* v) { return v ? figure(*v) : NAN; });
    };
    column("min", [](const ValueStatistics& v) { return v.min; });
    column("max", [](const ValueStatistics& v) { return v.max; });
    column("mean", [](const ValueStatistics& v) { return v.mean; });
    column("std", [](const ValueStatistics& v) { return v.std; });
    column("kurtosis", [](const ValueStatistics& v) { return v.kurtosis; });
    column("absmax", [](const ValueStatistics& v) { return v.absMax; });
    column("absmax_over_std", [](const ValueStatistics& v) { return v.absMaxOverStd; });
    for (size_t k = 0; k < o.sigmaMultiples.size(); ++k)
        column(beyondSigmaName(o.sigmaMultiples[k]), [k](const ValueStatistics& v) { return v.beyondSigma[k]; });
    H5::Group hist = g.createGroup("hist");
    for (size_t i = 0; i < values.size(); ++i) {
        if (!values[i])
            continue;
        H5::Group h = hist.createGroup(a.layers[i].name);
        writeVector(h, "counts", values[i]->histogram.counts);
        writeVector(h, "edges", values[i]->histogram.edges);
    }
}

void writeStatistics(H5::H5File& file, const ModelAnalysis& a)
{
    H5::Group g = file.createGroup("/stats/weight");
    stamp(g, a.statisticsSeconds, "two-pass float64 moments; histogram bins clamp(sqrt(n), 32, max_bins)");
    setReal(g, "outlier_factor", a.options.statisticsOptions.outlierFactor);
    std::vector<const ValueStatistics*> values;
    for (const WeightStatistics& w : a.weights)
        values.push_back(&w.values);
    writeValueStatistics(g, a, values);
    writePerLayer(g, "outlier_channel_count", a.weights, [](const WeightStatistics& s) { return double(s.outlierChannels.size()); });
    H5::Group channels = g.createGroup("channels");
    for (size_t i = 0; i < a.weights.size(); ++i) {
        const WeightStatistics& w = a.weights[i];
        H5::Group c = channels.createGroup(a.layers[i].name);
        writeVector(c, "output_absmax", w.outputAbsMax);
        writeVector(c, "output_min", w.outputMin);
        writeVector(c, "output_max", w.outputMax);
        writeVector(c, "input_absmax", w.inputAbsMax);
        writeVector(c, "outlier_channels", w.outlierChannels);
    }
}

void writeActivations(H5::H5File& file, const ModelAnalysis& a)
{
    H5::Group g = file.createGroup("/stats/activation");
    stamp(g, a.activationSeconds, "layer inputs captured from the TorchScript graph over the calibration set, two "
                                  "streaming passes: power sums about the first batch mean, then histograms; "
                                  "percentiles from a 4096-bin histogram");
    std::vector<const ValueStatistics*> values;
    for (const ActivationStatistics& s : a.activations)
        values.push_back(s.measured ? &s.values : nullptr);
    writeValueStatistics(g, a, values);
    writePerLayer(g, "p99", a.activations, [](const ActivationStatistics& s) { return s.measured ? s.p99 : NAN; });
    writePerLayer(g, "p99_9", a.activations, [](const ActivationStatistics& s) { return s.measured ? s.p999 : NAN; });
    writePerLayer(g, "p99_99", a.activations, [](const ActivationStatistics& s) { return s.measured ? s.p9999 : NAN; });
    H5::Group channels = g.createGroup("channels");
    for (size_t i = 0; i < a.activations.size(); ++i)
        if (a.activations[i].measured) {
            H5::Group c = channels.createGroup(a.layers[i].name);
            writeVector(c, "absmax", a.activations[i].channelAbsMax);
        }
}

void writeSpectra(H5::H5File& file, const ModelAnalysis& a)
{
    H5::Group g = file.createGroup("/spectra");
    const bool gram = a.options.spectrumMethod == SpectrumMethod::Gram;
    stamp(g, a.spectraSeconds,
          std::string(gram ? "square roots of the float64 eigenvalues of the smaller Gram matrix (W W^T or W^T W)"
                           : "float64 SVD")
              + " of the [out, in*k*k] view; alpha: continuous power-law MLE on the eigenvalues of W^T W, "
                "xmin by the smallest Kolmogorov-Smirnov distance (Clauset, Shalizi & Newman 2009)");
    setString(g, "method", gram ? "gram" : "svd");
    const auto& s = a.spectra;
    writePerLayer(g, "alpha", s, [](const WeightSpectrum& x) { return x.alpha.valid ? x.alpha.alpha : NAN; });
    writePerLayer(g, "alpha_xmin", s, [](const WeightSpectrum& x) { return x.alpha.xmin; });
    writePerLayer(g, "alpha_ks_distance", s, [](const WeightSpectrum& x) { return x.alpha.ksDistance; });
    writePerLayer(g, "alpha_tail_count", s, [](const WeightSpectrum& x) { return double(x.alpha.tailCount); });
    writePerLayer(g, "stable_rank", s, [](const WeightSpectrum& x) { return x.stableRank; });
    writePerLayer(g, "effective_rank", s, [](const WeightSpectrum& x) { return x.effectiveRank; });
    writePerLayer(g, "rank_90", s, [](const WeightSpectrum& x) { return double(x.rank90); });
    writePerLayer(g, "rank_95", s, [](const WeightSpectrum& x) { return double(x.rank95); });
    writePerLayer(g, "rank_99", s, [](const WeightSpectrum& x) { return double(x.rank99); });
    H5::Group values = g.createGroup("singular_values");
    for (size_t i = 0; i < s.size(); ++i)
        writeVector(values, a.layers[i].name, s[i].singularValues);
}

void writeQuantError(H5::H5File& file, const ModelAnalysis& a)
{
    H5::Group g = file.createGroup("/quant_error");
    stamp(g, a.quantErrorSeconds, "weights: ||Q(W) - W||^2 over the [out, in*k*k] view, float64; inputs: expected "
                                  "squared error over a 2048-bin histogram of the calibration inputs; NaN where an "
                                  "option does not apply");
    writeStrings(g, "options", a.quantError.options);
    writeMatrix(g, "squared_error", a.quantError.squaredError);
    writeMatrix(g, "relative_error", a.quantError.relativeError);
    writeMatrix(g, "sqnr_db", a.quantError.sqnrDb);
    if (!a.quantError.activationOptions.empty()) {
        writeStrings(g, "activation_options", a.quantError.activationOptions);
        writeMatrix(g, "activation_relative_error", a.quantError.activationRelativeError);
        writeMatrix(g, "activation_sqnr_db", a.quantError.activationSqnrDb);
    }
}

void writeMethodError(H5::H5File& file, const ModelAnalysis& a)
{
    H5::Group g = file.createGroup("/method_error");
    stamp(g, a.methodErrorSeconds, "||(Q(W) - W) X||^2 / ||W X||^2 from X^T X of the calibration inputs, float64, per "
                                   "method and width; NaN where a method does not apply");
    writeStrings(g, "options", a.quantError.methodOptions);
    writeMatrix(g, "relative_output_error", a.quantError.methodOutputError);
}

// The inverse of writeValueStatistics; a layer without a histogram (an unmeasured input) reads
// back with NaN figures and no histogram.
std::vector<ValueStatistics> readValueStatistics(const H5::Group& g, const std::vector<std::string>& layers,
                                                 const std::vector<double>& sigmaMultiples,
                                                 const std::function<std::vector<double>(const H5::Group&, const std::string&)>& perLayer)
{
    const size_t count = layers.size();
    std::vector<ValueStatistics> out(count);
    const std::pair<const char*, double ValueStatistics::*> fields[] = {
        {"min", &ValueStatistics::min}, {"max", &ValueStatistics::max}, {"mean", &ValueStatistics::mean},
        {"std", &ValueStatistics::std}, {"kurtosis", &ValueStatistics::kurtosis}, {"absmax", &ValueStatistics::absMax},
        {"absmax_over_std", &ValueStatistics::absMaxOverStd}};
    for (const auto& [name, field] : fields) {
        const std::vector<double> v = perLayer(g, name);
        for (size_t i = 0; i < count; ++i)
            out[i].*field = v[i];
    }
    for (double k : sigmaMultiples) {
        const std::vector<double> v = perLayer(g, beyondSigmaName(k));
        for (size_t i = 0; i < count; ++i)
            out[i].beyondSigma.push_back(v[i]);
    }
    for (size_t i = 0; i < count; ++i) {
        if (!exists(g, "hist/" + layers[i]))
            continue;
        const H5::Group h = g.openGroup("hist/" + layers[i]);
        out[i].histogram.counts = readInts(h, "counts");
        out[i].histogram.edges = readDoubles(h, "edges");
    }
    return out;
}

} // namespace

void writeAnalysisBundle(const ModelAnalysis& a, const std::string& path, const SessionState* session)
{
    H5::Exception::dontPrint();
    AtomicFile out(path);
    out.write([&](const std::string& temporary) {
        try {
            H5::H5File file(temporary, H5F_ACC_TRUNC);
            setString(file, "format", kFileFormat);
            setInt(file, "version", kVersion);
            H5::Group model = file.createGroup("/model");
            setString(model, "path", a.modelPath);
            setString(model, "sha256", a.modelSha256);
            setInt(model, "layer_count", static_cast<int64_t>(a.layers.size()));
            H5::Group layers = file.createGroup("/layers");
            std::vector<std::string> names, kinds, shapes;
            std::vector<int64_t> params, macs;
            for (const LayerInfo& l : a.layers) {
                names.push_back(l.name);
                kinds.push_back(kindName(l.kind));
                shapes.push_back(shapeString(l.weightShape));
                params.push_back(l.params());
                macs.push_back(l.macsPerSample);
            }
            writeStrings(layers, "names", names);
            writeStrings(layers, "kinds", kinds);
            writeStrings(layers, "shapes", shapes);
            writeVector(layers, "params", params);
            writeVector(layers, "macs", macs);
            file.createGroup("/stats");
            if (!a.weights.empty())
                writeStatistics(file, a);
            if (!a.activations.empty())
                writeActivations(file, a);
            if (!a.spectra.empty())
                writeSpectra(file, a);
            if (!a.quantError.options.empty())
                writeQuantError(file, a);
            if (!a.quantError.methodOptions.empty())
                writeMethodError(file, a);
            if (!a.hessian.empty())
                writeHessian(file, a.hessian, names);
            if (!a.sensitivity.empty())
                writeSensitivity(file, a.sensitivity);
            if (session)
                writeSessionGroup(file, *session);
        } catch (const H5::Exception& e) {
            throw Error(temporary + ": cannot write the analysis bundle (" + hdf5ErrorCause(e) + ")");
        }
    });
    out.commit();
}

namespace {

ModelAnalysis readBundleInProcess(const std::string& path, const std::string& expectedSha256)
{
    try {
        const H5::H5File file = openVersionedFile(path, kFileFormat, "analysis bundle", kOldestVersion, kVersion);
        ModelAnalysis a;
        const H5::Group model = file.openGroup("/model");
        a.modelPath = getString(model, "path");
        a.modelSha256 = getString(model, "sha256");
        if (!expectedSha256.empty() && expectedSha256 != a.modelSha256)
            throw Error(path + ": analyses a different model (" + a.modelPath + ", sha256 " + a.modelSha256.substr(0, 12)
                        + "…, not " + expectedSha256.substr(0, 12) + "…)");
        const H5::Group layers = file.openGroup("/layers");
        const std::vector<std::string> names = readStrings(layers, "names");
        const std::vector<std::string> kinds = readStrings(layers, "kinds");
        const std::vector<std::string> shapes = readStrings(layers, "shapes");
        const std::vector<int64_t> params = readInts(layers, "params");
        const std::vector<int64_t> macs = readInts(layers, "macs");
        if (kinds.size() != names.size() || shapes.size() != names.size() || params.size() != names.size()
            || macs.size() != names.size())
            throw Error(path + ": /layers datasets disagree in length");
        for (size_t i = 0; i < names.size(); ++i) {
            LayerInfo l;
            l.name = names[i];
            if (!layerKindFromName(kinds[i], l.kind))
                throw Error(path + ": layer '" + names[i] + "' has the unknown kind '" + kinds[i] + "'");
            l.weightShape = shapeFromString(shapes[i]);
            l.weightParams = l.weightShape.empty() ? 0 : 1;
            for (int64_t d : l.weightShape)
                l.weightParams *= d;
            l.biasParams = std::max<int64_t>(0, params[i] - l.weightParams);
            l.macsPerSample = macs[i];
            a.layers.push_back(l);
        }
        const size_t count = names.size();
        const auto perLayer = [&](const H5::Group& g, const std::string& name) {
            std::vector<double> v = readDoubles(g, name);
            if (v.size() != count)
                throw Error(path + ": " + name + " has " + std::to_string(v.size()) + " values for " + std::to_string(count) + " layers");
            return v;
        };
        if (exists(file.openGroup("/"), "stats/weight")) {
            const H5::Group g = file.openGroup("/stats/weight");
            StatisticsOptions& o = a.options.statisticsOptions;
            o.sigmaMultiples = getReals(g, "sigma_multiples");
            o.outlierFactor = getReal(g, "outlier_factor");
            a.statisticsSeconds = getReal(g, "wall_seconds");
            a.weights.resize(count);
            const std::vector<ValueStatistics> values = readValueStatistics(g, names, o.sigmaMultiples, perLayer);
            for (size_t i = 0; i < count; ++i)
                a.weights[i].values = values[i];
            for (size_t i = 0; i < count; ++i) {
                const H5::Group c = file.openGroup("/stats/weight/channels/" + names[i]);
                a.weights[i].outputAbsMax = readDoubles(c, "output_absmax");
                a.weights[i].outputMin = readDoubles(c, "output_min");
                a.weights[i].outputMax = readDoubles(c, "output_max");
                a.weights[i].inputAbsMax = readDoubles(c, "input_absmax");
                a.weights[i].outlierChannels = readInts(c, "outlier_channels");
            }
        }
        a.options.statistics = !a.weights.empty();
        if (exists(file.openGroup("/"), "stats/activation")) {
            const H5::Group g = file.openGroup("/stats/activation");
            a.activationSeconds = getReal(g, "wall_seconds");
            const std::vector<ValueStatistics> values = readValueStatistics(g, names, getReals(g, "sigma_multiples"), perLayer);
            const std::vector<double> p99 = perLayer(g, "p99"), p999 = perLayer(g, "p99_9"), p9999 = perLayer(g, "p99_99");
            for (size_t i = 0; i < count; ++i) {
                ActivationStatistics s;
                s.measured = !std::isnan(values[i].mean);
                s.values = values[i];
                s.p99 = p99[i];
                s.p999 = p999[i];
                s.p9999 = p9999[i];
                if (s.measured)
                    s.channelAbsMax = readDoubles(g, "channels/" + names[i] + "/absmax");
                a.activations.push_back(std::move(s));
            }
        }
        a.options.activations = !a.activations.empty();
        if (exists(file.openGroup("/"), "spectra")) {
            const H5::Group g = file.openGroup("/spectra");
            a.spectraSeconds = getReal(g, "wall_seconds");
            // Bundles from before the Gram method have no "method": theirs is the SVD.
            if (g.attrExists("method") && getString(g, "method") == "gram")
                a.options.spectrumMethod = SpectrumMethod::Gram;
            const std::vector<double> alpha = perLayer(g, "alpha");
            const std::vector<double> xmin = perLayer(g, "alpha_xmin");
            const std::vector<double> ks = perLayer(g, "alpha_ks_distance");
            const std::vector<double> tail = perLayer(g, "alpha_tail_count");
            for (size_t i = 0; i < count; ++i) {
                // The stored fit is the result; refitting could differ in the last bit on another libm.
                WeightSpectrum s = spectrumFromSingularValues(readDoubles(g, "singular_values/" + names[i]), false);
                s.alpha.valid = !std::isnan(alpha[i]);
                s.alpha.alpha = s.alpha.valid ? alpha[i] : 0.0;
                s.alpha.xmin = xmin[i];
                s.alpha.ksDistance = ks[i];
                s.alpha.tailCount = static_cast<int64_t>(tail[i]);
                a.spectra.push_back(std::move(s));
            }
        }
        a.options.spectra = !a.spectra.empty();
        if (exists(file.openGroup("/"), "quant_error")) {
            const H5::Group g = file.openGroup("/quant_error");
            a.quantErrorSeconds = getReal(g, "wall_seconds");
            a.quantError.options = readStrings(g, "options");
            const size_t options = a.quantError.options.size();
            a.quantError.squaredError = readMatrix(g, "squared_error", count, options);
            a.quantError.relativeError = readMatrix(g, "relative_error", count, options);
            a.quantError.sqnrDb = readMatrix(g, "sqnr_db", count, options);
            if (exists(g, "activation_options")) {
                a.quantError.activationOptions = readStrings(g, "activation_options");
                const size_t inputs = a.quantError.activationOptions.size();
                a.quantError.activationRelativeError = readMatrix(g, "activation_relative_error", count, inputs);
                a.quantError.activationSqnrDb = readMatrix(g, "activation_sqnr_db", count, inputs);
            }
        }
        a.options.quantError = !a.quantError.options.empty();
        if (exists(file.openGroup("/"), "method_error")) {
            const H5::Group g = file.openGroup("/method_error");
            a.methodErrorSeconds = getReal(g, "wall_seconds");
            a.quantError.methodOptions = readStrings(g, "options");
            a.quantError.methodOutputError = readMatrix(g, "relative_output_error", count, a.quantError.methodOptions.size());
        }
        a.options.methodError = !a.quantError.methodOptions.empty();
        if (exists(file.openGroup("/"), "hessian"))
            a.hessian = readHessian(file, names);
        a.options.hessian = !a.hessian.empty();
        if (exists(file.openGroup("/"), "sensitivity"))
            a.sensitivity = readSensitivity(file, a.layers, int(getInt(file, "version")));
        a.options.sensitivity = !a.sensitivity.empty();
        return a;
    } catch (const H5::Exception& e) {
        throw Error(path + ": cannot read the analysis bundle (" + hdf5ErrorCause(e) + ")");
    }
}

} // namespace

bool isAnalysisBundle(const std::string& path)
{
    try {
        const auto open = [&] { openVersionedFile(path, kFileFormat, "analysis bundle", kOldestVersion, kVersion); };
        probeHdf5File(path, open);
        open();
        return true;
    } catch (const Error&) {
        return false;
    } catch (const H5::Exception&) {
        return false;
    }
}

namespace {

std::optional<SessionState> readSessionInProcess(const std::string& path)
{
    try {
        const H5::H5File file = openVersionedFile(path, kFileFormat, "analysis bundle", kOldestVersion, kVersion);
        if (!exists(file.openGroup("/"), "session"))
            return std::nullopt;
        return readSessionGroup(file.openGroup("/session"), path);
    } catch (const H5::Exception& e) {
        throw Error(path + ": cannot read the session (" + hdf5ErrorCause(e) + ")");
    }
}

} // namespace

ModelAnalysis readAnalysisBundle(const std::string& path, const std::string& expectedSha256)
{
    probeHdf5File(path, [&] { readBundleInProcess(path, expectedSha256); });
    return readBundleInProcess(path, expectedSha256);
}

std::optional<SessionState> readSessionState(const std::string& path)
{
    probeHdf5File(path, [&] { readSessionInProcess(path); });
    return readSessionInProcess(path);
}

} // namespace bitlens
