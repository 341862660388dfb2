// Real sizes on this CPU: torchvision's ResNet-50 at 224 x 224 and an 85 M-parameter, 12-block,
// 768-wide GPT, random weights made by tests/support/real_size_models.py (Debian's PyTorch). Per
// model: load, layer listing (profile), evaluation throughput beside stock PyTorch's on the same
// samples and threads (eager and the same TorchScript archive, run by the script in one process),
// statistics + input statistics + spectra + quantization error, and the Hessian of the three
// layers with the most MACs (top-3 eigenvalues, trace to 5 %).
//
//   bench_real_size [--models resnet50,gpt85m] [--no-hessian]
//
// The models are made once into ~/.cache/bitlens/real_size (~600 MB with the images).

#include "core/pch.h" // core-internal headers below need LibTorch
#include "bench_common.h"

#include "core/analysis/hessian_engine.h"
#include "core/analysis/hessian_operator.h"
#include "core/data/dataset.h"
#include "core/eval/evaluator.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "core/stats/model_analysis.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <numeric>

using namespace bitlens;

namespace {

struct Setup {
    const char* name;
    int64_t batch;       // evaluation batch
    int64_t count;       // samples evaluated
    int64_t calibration; // samples the analysis reads
    int64_t hessianSamples;
};

const Setup kSetups[] = {{"resnet50", 16, 128, 64, 8}, {"gpt85m", 8, 64, 64, 8}};

std::filesystem::path modelDir()
{
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home ? home : "/tmp") / ".cache/bitlens/real_size";
}

void makeModels()
{
    if (std::filesystem::exists(modelDir() / "gpt85m.pt") && std::filesystem::exists(modelDir() / "resnet50.pt"))
        return;
    const std::string command = "/usr/bin/python3 " BITLENS_REAL_SIZE_SCRIPT " make --out '" + modelDir().string() + "'";
    std::printf("making the models: %s\n", command.c_str());
    if (std::system(command.c_str()) != 0)
        throw std::runtime_error("the model script failed");
}

nlohmann::json pytorchThroughput(const std::string& model, const Setup& s)
{
    const std::string command = "/usr/bin/python3 " BITLENS_REAL_SIZE_SCRIPT " measure '" + model + "' --threads "
                                + std::to_string(threadCount()) + " --batch " + std::to_string(s.batch) + " --count "
                                + std::to_string(s.count) + " 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    std::string out;
    char buffer[4096];
    while (pipe && std::fgets(buffer, sizeof buffer, pipe))
        out += buffer;
    if (!pipe || pclose(pipe) != 0)
        throw std::runtime_error("the PyTorch measurement failed: " + command);
    return nlohmann::json::parse(out);
}

void evaluation(Model& model, const DatasetSplits& data, const Setup& s)
{
    NullProgress progress;
    EvalOptions options;
    options.batchSize = s.batch;
    options.limit = std::min<int64_t>(2 * s.batch, s.count); // warm-up: the executor specialises, as PyTorch's does
    evaluate(model, data.evaluation, options, progress);
    options.limit = s.count;
    const EvalResult r = evaluate(model, data.evaluation, options, progress);
    const nlohmann::json torch = pytorchThroughput(model.path(), s);
    const double eager = torch["eager"]["samples_per_second"], script = torch["torchscript"]["samples_per_second"];
    std::printf("evaluation, %lld samples in batches of %lld, %d threads (samples/s): BitLens %.2f; PyTorch %s eager %.2f, "
                "TorchScript %.2f; BitLens / the faster %.1f %%; loss %.6f / %.6f / %.6f\n",
                (long long)s.count, (long long)s.batch, threadCount(), r.samplesPerSecond(),
                torch["torch"].get<std::string>().c_str(), eager, script, 100.0 * r.samplesPerSecond() / std::max(eager, script),
                r.loss(), torch["eager"]["loss"].get<double>(), torch["torchscript"]["loss"].get<double>());
}

// The three layers with the most MACs per sample.
std::string costliestLayers(const Model& model)
{
    std::vector<size_t> order(model.layers().size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return model.layers()[a].macsPerSample > model.layers()[b].macsPerSample; });
    std::string pattern;
    for (size_t i = 0; i < std::min<size_t>(3, order.size()); ++i) {
        std::string name = model.layers()[order[i]].name;
        std::string escaped;
        for (char c : name)
            escaped += c == '.' ? std::string("\\.") : std::string(1, c);
        pattern += (pattern.empty() ? "" : "|") + escaped;
    }
    return pattern;
}

void hessian(Model& model, const DatasetSplits& data, const Setup& s)
{
    NullProgress progress;
    HessianOptions o;
    o.batches = 1;
    o.batchSize = s.hessianSamples;
    o.modelEigenvalues = false;
    o.layers = costliestLayers(model);
    const auto start = std::chrono::steady_clock::now();
    HessianOperator op(model, data.calibration, o.batches, o.batchSize, true, progress);
    const double setup = bench::secondsSince(start);
    std::vector<std::string> names;
    for (const LayerInfo& l : model.layers())
        names.push_back(l.name);
    const HessianAnalysis h = analyzeHessian(op, names, o, progress);
    std::printf("Hessian of the 3 layers with the most MACs, %lld samples: gradients + graph %.1f s, analysis %.1f s "
                "(%lld layer + %lld whole-model HVPs)\n",
                (long long)h.samples, setup, h.seconds, (long long)h.layerProducts, (long long)h.modelProducts);
    for (size_t l = 0; l < names.size(); ++l) {
        const LayerHessian& x = h.layers[l];
        if (!x.analysed())
            continue;
        std::printf("  %-22s λ1..3 %.4g %.4g %.4g, trace %.4g ± %.2g (%lld probes, %lld layer-local%s), %d Lanczos steps\n",
                    names[l].c_str(), x.topEigenvalues[0], x.topEigenvalues.size() > 1 ? x.topEigenvalues[1] : NAN,
                    x.topEigenvalues.size() > 2 ? x.topEigenvalues[2] : NAN, x.trace, x.traceStdErr,
                    (long long)x.traceSamples, (long long)x.traceLocalSamples, x.traceConverged ? "" : ", not converged",
                    x.lanczosSteps);
    }
}

void benchModel(const Setup& s, bool withHessian)
{
    const std::string path = (modelDir() / (std::string(s.name) + ".pt")).string();
    NullProgress progress;
    std::printf("\n== %s (%s)\n", s.name, path.c_str());
    auto start = std::chrono::steady_clock::now();
    auto model = Model::load(path);
    const double load = bench::secondsSince(start);
    DatasetOptions dataOptions = defaultDatasetOptionsFor(path);
    dataOptions.calibrationSize = s.calibration;
    start = std::chrono::steady_clock::now();
    const DatasetSplits data = loadDataset(defaultDatasetFor(path), dataOptions, progress);
    const double dataSeconds = bench::secondsSince(start);
    start = std::chrono::steady_clock::now();
    model->profile(data.evaluation);
    const double listing = bench::secondsSince(start);
    std::printf("load %.2f s, %zu layers listed (profile: one batch, MACs) %.2f s, %.1f M parameters, %.2f GMACs per "
                "sample; dataset %.2f s\n",
                load, model->layers().size(), listing, double(model->totalParams()) / 1e6, double(model->totalMacs()) / 1e9,
                dataSeconds);
    evaluation(*model, data, s);
    start = std::chrono::steady_clock::now();
    const ModelAnalysis a = analyzeModel(*model, {}, &data.calibration, progress);
    const double analysis = bench::secondsSince(start);
    std::printf("analysis on %lld calibration samples: statistics %.2f, inputs %.2f, spectra %.2f, quantization error "
                "%.2f = %.2f s; with load and listing %.2f s\n",
                (long long)data.calibration.count(), a.statisticsSeconds, a.activationSeconds, a.spectraSeconds,
                a.quantErrorSeconds, analysis, analysis + load + listing);
    if (withHessian)
        hessian(*model, data, s);
}

} // namespace

int main(int argc, char** argv)
{
    std::string only;
    bool withHessian = true;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--models") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (std::strcmp(argv[i], "--no-hessian") == 0)
            withHessian = false;
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0); // figures as they come, also into a file
    configureThreads();
    std::printf("bench_real_size: %d cores, %d threads\n", coreCount(), threadCount());
    makeModels();
    for (const Setup& s : kSetups) {
        if (only.empty() || only.find(s.name) != std::string::npos)
            benchModel(s, withHessian);
    }
    return 0;
}
