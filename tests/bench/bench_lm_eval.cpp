// Perplexity evaluation throughput (tokens/s) of the demo language model on its held-out text,
// FP32 and with fake quantization applied, one thread and all.

#include "bench_common.h"

#include "core/data/dataset.h"
#include "core/eval/applied_plan.h"
#include "core/eval/evaluator.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "core/quant/compression_plan.h"
#include "core/runtime.h"

#include <cstdio>
#include <filesystem>

using namespace bitlens;

namespace {

// 65,536 tokens per measurement: a quarter of the held-out text, enough for a stable rate.
constexpr int64_t Windows = 512;

} // namespace

int main()
{
    std::printf("bench_lm_eval: %d cores\n", coreCount());
    const std::string path = (std::filesystem::path(demoModelDir()) / "fortunes_lm.pt").string();
    NullProgress progress;
    auto start = std::chrono::steady_clock::now();
    DatasetOptions dataOptions = defaultDatasetOptionsFor(path);
    dataOptions.calibrationSize = 256;
    const DatasetSplits data = loadDataset(defaultDatasetFor(path), dataOptions, progress);
    std::printf("dataset load (%s, %lld evaluation windows of %lld tokens): %.2f s; measuring the first %lld windows\n",
                data.path.c_str(), static_cast<long long>(data.evaluation.count()),
                static_cast<long long>(dataOptions.contextLength), bench::secondsSince(start), static_cast<long long>(Windows));
    auto model = Model::load(path);
    model->profile(data.evaluation);

    struct Variant {
        const char* name;
        const char* spec; // "" = FP32
    };
    const Variant variants[] = {{"fp32", ""}, {"w8 per-channel", "w8:per-channel"}, {"w4 per-channel", "w4:per-channel"},
                                {"w4 g64 + a8", "w4:group64,a8"}};
    std::printf("%-20s %7s %8s %10s %12s %11s\n", "plan", "threads", "batch", "seconds", "tokens/s", "perplexity");
    for (int threads : {1, coreCount()}) {
        configureThreads(threads);
        for (const Variant& v : variants) {
            std::unique_ptr<AppliedPlan> applied;
            if (*v.spec)
                applied = AppliedPlan::apply(*model, uniformPlan(v.spec, model->layers()), data.calibration, progress);
            EvalOptions options;
            options.batchSize = 64;
            options.limit = 128; // lets the JIT executor specialise
            applied ? applied->evaluate(data.evaluation, options, progress) : evaluate(*model, data.evaluation, options, progress);
            options.limit = Windows;
            const EvalResult r = applied ? applied->evaluate(data.evaluation, options, progress)
                                         : evaluate(*model, data.evaluation, options, progress);
            std::printf("%-20s %7d %8lld %10.2f %12.0f %11.4f\n", v.name, threads, static_cast<long long>(options.batchSize),
                        r.seconds, r.predictionsPerSecond(), r.perplexity());
        }
        if (coreCount() == 1)
            break;
    }
    return 0;
}
