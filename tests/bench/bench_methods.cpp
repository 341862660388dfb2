// Quantization methods beside round-to-nearest on the demo models: fortunes_lm perplexity at w4
// per-channel, w3 and w2 group64 (and w8 with 8-bit inputs), fmnist_resnet top-1 at w3 and w2
// per-channel, the seconds each method takes per layer, and one 4096 x 4096 layer quantized by
// GPTQ from 2,048 calibration tokens.

#include <torch/torch.h>

#include "bench_common.h"

#include "core/data/dataset.h"
#include "core/eval/applied_plan.h"
#include "core/eval/evaluator.h"
#include "core/progress.h"
#include "core/quant/compression_plan.h"
#include "core/quant/layer_compressor.h"
#include "core/quant/option_spec.h"
#include "core/runtime.h"

#include <cstdio>
#include <filesystem>

using namespace bitlens;

namespace {

const char* const kMethods[] = {"rtn", "gptq", "gptq_act", "awq", "hadamard", "lwc", "smoothquant"};

// Every method at each spec: the figure evaluation gives, and the seconds applying took.
void compare(const char* model, const std::vector<const char*>& specs, int64_t calibration, bool language)
{
    const std::string path = (std::filesystem::path(demoModelDir()) / model).string();
    NullProgress progress;
    DatasetOptions dataOptions = defaultDatasetOptionsFor(path);
    dataOptions.calibrationSize = calibration;
    const DatasetSplits data = loadDataset(defaultDatasetFor(path), dataOptions, progress);
    auto m = Model::load(path);
    m->profile(data.evaluation);
    const size_t layers = m->layers().size();
    const EvalResult fp32 = evaluate(*m, data.evaluation, {}, progress);
    const auto figure = [&](const EvalResult& r) { return language ? r.perplexity() : 100.0 * r.top1(); };
    std::printf("\n%s: %zu layers, %lld calibration samples, %lld evaluation samples; FP32 %s %.4f\n", model, layers,
                static_cast<long long>(data.calibration.count()), static_cast<long long>(data.evaluation.count()),
                language ? "perplexity" : "top-1 %", figure(fp32));
    std::printf("%-26s %-12s %12s %14s %16s %14s\n", "spec", "method", language ? "perplexity" : "top-1 %",
                "gap to FP32", "apply s (1st)", "s per layer");
    for (const char* spec : specs) {
        double rtnGap = 0;
        for (const char* method : kMethods) {
            std::string full = spec;
            const size_t comma = full.find(',');
            full.insert(comma == std::string::npos ? full.size() : comma, std::string(":") + method);
            const bool inputs = comma != std::string::npos;
            if ((std::string(method) == "smoothquant") != inputs && std::string(method) != "rtn" && std::string(method) != "hadamard")
                continue; // SmoothQuant is for plans that quantize inputs; the others for weights
            const auto start = std::chrono::steady_clock::now();
            const auto applied = AppliedPlan::apply(*m, uniformPlan(full, m->layers()), data.calibration, progress);
            const double applySeconds = bench::secondsSince(start);
            const EvalResult r = applied->evaluate(data.evaluation, {}, progress);
            const double gap = language ? figure(r) - figure(fp32) : figure(fp32) - figure(r);
            if (std::string(method) == "rtn")
                rtnGap = gap;
            std::printf("%-26s %-12s %12.4f %9.4f (%3.0f%%) %16.2f %14.3f\n", spec, method, figure(r), gap,
                        rtnGap != 0 ? 100.0 * gap / rtnGap : 100.0, applySeconds, applied->applySeconds() / double(layers));
        }
    }
}

// One 4096 x 4096 layer and 2,048 calibration tokens: XᵀX, then GPTQ and RTN at w4 group128.
void bigLayer()
{
    torch::manual_seed(0);
    const torch::Tensor w = torch::randn({4096, 4096}) * 0.02;
    const torch::Tensor x = torch::randn({2048, 4096});
    LayerStatistics stats;
    stats.channels = 4096;
    stats.rows = 2048;
    auto start = std::chrono::steady_clock::now();
    const torch::Tensor x64 = x.to(torch::kFloat64);
    stats.gram = x64.t().matmul(x64);
    stats.channelMeanAbs = x64.abs().mean(0);
    stats.channelMaxAbs = std::get<0>(x64.abs().max(0));
    const double gramSeconds = bench::secondsSince(start);
    std::printf("\n4096 x 4096 layer, 2048 calibration tokens: XᵀX (float64) %.2f s\n", gramSeconds);
    for (const char* spec : {"w4:group128", "w4:group128:gptq", "w4:group128:gptq_act", "w4:group128:awq"}) {
        start = std::chrono::steady_clock::now();
        const CompressedWeight c = compressWeight(w, optionFromSpec(spec), &stats);
        const double seconds = bench::secondsSince(start);
        const double error = torch::matmul(x, (c.effective - w).t()).square().sum().item<double>()
                             / torch::matmul(x, w.t()).square().sum().item<double>();
        std::printf("  %-22s %7.2f s   relative output error %.4e\n", spec, seconds, error);
    }
}

} // namespace

// bench_methods [layer]: everything, or the 4096 x 4096 layer alone.
int main(int argc, char** argv)
{
    configureThreads();
    std::printf("bench_methods: %d cores\n", coreCount());
    bigLayer();
    if (argc > 1 && std::string(argv[1]) == "layer")
        return 0;
    compare("fortunes_lm.pt", {"w4:per-channel", "w3:group64", "w2:group64", "w8:per-channel,a8"}, 256, true);
    compare("fmnist_resnet.pt", {"w3:per-channel", "w2:per-channel"}, 1024, false);
}
