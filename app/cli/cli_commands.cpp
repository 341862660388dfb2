#include "cli_commands.h"

#include "core/data/dataset.h"
#include "core/eval/evaluator.h"
#include "core/io/model_sidecar.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "core/runtime.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace bitlens::cli {
namespace {

using nlohmann::json;

// Progress on stderr for a person at a terminal; silent when stderr is a pipe or file.
class TerminalProgress final : public Progress {
public:
    TerminalProgress() : m_tty(isatty(STDERR_FILENO) != 0) {}
    ~TerminalProgress() override
    {
        if (m_tty && m_shown)
            std::fprintf(stderr, "\r\033[K");
    }
    void report(double fraction, const std::string& message) override
    {
        if (!m_tty)
            return;
        std::fprintf(stderr, "\r\033[K[%3.0f%%] %s", 100.0 * fraction, message.c_str());
        m_shown = true;
    }
    bool cancelled() const override { return false; }

private:
    bool m_tty;
    bool m_shown = false;
};

std::string modelArgument(const CliArgs& args)
{
    if (args.positional.size() != 1)
        throw UsageError("'" + args.command + "' takes one MODEL argument (a TorchScript .pt file)");
    return args.positional[0];
}

// The MODEL argument loaded and profiled on the --data dataset (MACs need one forward pass).
struct Workspace {
    std::string modelPath;
    std::unique_ptr<Model> model;
    DatasetSplits data;
};

Workspace openWorkspace(const CliArgs& args, Progress& progress)
{
    Workspace w;
    w.modelPath = modelArgument(args);
    w.model = Model::load(w.modelPath);
    DatasetOptions options;
    options.calibrationSize = args.integer("calib", options.calibrationSize, 1);
    options.seed = static_cast<uint64_t>(args.integer("seed", 0, 0));
    w.data = loadDataset(args.value("data", defaultDatasetPath()), options, progress);
    w.model->profile(w.data.evaluation);
    return w;
}

std::string humanCount(double v)
{
    char buf[32];
    if (v >= 1e9)
        std::snprintf(buf, sizeof buf, "%.2f G", v / 1e9);
    else if (v >= 1e6)
        std::snprintf(buf, sizeof buf, "%.2f M", v / 1e6);
    else if (v >= 1e3)
        std::snprintf(buf, sizeof buf, "%.1f k", v / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
}

} // namespace

void printUsage()
{
    std::cout << "usage: bitlens-cli COMMAND [options]\n\n"
                 "commands:\n"
                 "  info MODEL [--data PATH]             compressible layers (name, kind, shape, params, MACs)\n"
                 "  eval MODEL [--data PATH] [--limit N] loss, top-1, top-5 on the evaluation split\n\n"
                 "options:\n"
                 "  --data PATH    IDX folder/file or HDF5 file (default: Debian's Fashion-MNIST)\n"
                 "  --calib N      calibration samples drawn from the training split (default 1024)\n"
                 "  --seed N       seed of the calibration subset (default 0)\n"
                 "  --limit N      evaluate only the first N samples\n"
                 "  --batch N      evaluation batch size (default 500)\n"
                 "  --threads N    compute threads (default: one per core)\n"
                 "  --json         one JSON object on stdout instead of text\n";
}

int runInfo(const CliArgs& args)
{
    TerminalProgress progress;
    const Workspace w = openWorkspace(args, progress);
    const std::string& modelPath = w.modelPath;
    const Model* model = w.model.get();
    const DatasetSplits& data = w.data;
    const auto sidecar = readSidecar(modelPath);

    int64_t compressible = 0;
    for (const LayerInfo& l : model->layers())
        compressible += l.params();

    if (args.has("json")) {
        json layers = json::array();
        for (const LayerInfo& l : model->layers()) {
            layers.push_back({{"name", l.name}, {"kind", kindName(l.kind)}, {"shape", l.weightShape},
                              {"params", l.params()}, {"weight_params", l.weightParams},
                              {"bias_params", l.biasParams}, {"macs", l.macsPerSample}, {"calls", l.calls}});
        }
        json out = {{"model", modelPath}, {"data", data.path}, {"layers", layers},
                    {"layer_count", model->layers().size()}, {"total_params", model->totalParams()},
                    {"compressible_params", compressible}, {"total_macs", model->totalMacs()},
                    {"input_shape", data.evaluation.sampleShape}, {"output_shape", model->outputShape()},
                    {"sidecar", sidecar ? json::parse(sidecar->json) : json(nullptr)}};
        std::cout << out.dump() << "\n";
        return 0;
    }

    std::printf("%s: %zu compressible layers, %s parameters (%s compressible), %s MACs per sample\n",
                modelPath.c_str(), model->layers().size(), humanCount(double(model->totalParams())).c_str(),
                humanCount(double(compressible)).c_str(), humanCount(double(model->totalMacs())).c_str());
    std::printf("%-28s %-9s %-14s %10s %12s\n", "name", "kind", "shape", "params", "MACs");
    for (const LayerInfo& l : model->layers()) {
        std::printf("%-28s %-9s %-14s %10lld %12lld\n", l.name.c_str(), kindName(l.kind),
                    shapeString(l.weightShape).c_str(), static_cast<long long>(l.params()),
                    static_cast<long long>(l.macsPerSample));
    }
    std::printf("%-28s %-9s %-14s %10lld %12lld\n", "total", "", "", static_cast<long long>(compressible),
                static_cast<long long>(model->totalMacs()));
    if (sidecar)
        std::printf("sidecar %s: test accuracy %.4f, test loss %.4f\n", sidecar->path.c_str(),
                    sidecar->testAccuracy, sidecar->testLoss);
    return 0;
}

int runEval(const CliArgs& args)
{
    TerminalProgress progress;
    Workspace w = openWorkspace(args, progress);
    const std::string& modelPath = w.modelPath;
    const DatasetSplits& data = w.data;
    EvalOptions options;
    options.limit = args.integer("limit", 0, 1);
    options.batchSize = args.integer("batch", options.batchSize, 1);
    const EvalResult r = evaluate(*w.model, data.evaluation, options, progress);
    const Interval ci = top1Interval(r);

    if (args.has("json")) {
        json out = {{"model", modelPath}, {"data", data.path}, {"split", data.evaluation.split},
                    {"loss", r.loss()}, {"top1", r.top1()}, {"top5", r.top5()},
                    {"top1_ci95", {ci.low, ci.high}}, {"correct_top1", r.correctTop1},
                    {"samples", r.samples}, {"seconds", r.seconds},
                    {"samples_per_second", r.samplesPerSecond()}, {"threads", threadCount()}};
        std::cout << out.dump() << "\n";
        return 0;
    }
    std::printf("%s on %s (%s split, %lld samples)\n", modelPath.c_str(), data.path.c_str(),
                data.evaluation.split.c_str(), static_cast<long long>(r.samples));
    std::printf("loss %.6f  top-1 %.4f (95%% CI %.4f-%.4f)  top-5 %.4f  %.2f s (%.0f samples/s, %d threads)\n",
                r.loss(), r.top1(), ci.low, ci.high, r.top5(), r.seconds, r.samplesPerSecond(), threadCount());
    return 0;
}

} // namespace bitlens::cli
