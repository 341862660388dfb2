// Time to apply a plan to every layer (the demo models, the cached ResNet-18, and a synthetic
// 100 M-parameter linear stack), and evaluation throughput with input fake-quant off and on.

#include "bench_common.h"

#include "core/data/dataset.h"
#include "core/eval/applied_plan.h"
#include "core/eval/evaluator.h"
#include "core/progress.h"
#include "core/quant/compression_plan.h"
#include "core/runtime.h"
#include "tests/support/fixtures.h"

#include <cstdio>
#include <cstring>

using namespace bitlens;

namespace {

struct Timing {
    double median = 0.0; // AppliedPlan::applySeconds: compressing every layer's weight
    double wall = 0.0;   // apply() as a whole, the last run
};

Timing timeApply(Model& model, const CompressionPlan& plan, const SampleSet& calibration, int repeats)
{
    NullProgress progress;
    std::vector<double> runs;
    Timing t;
    for (int i = 0; i < repeats; ++i) {
        const auto start = std::chrono::steady_clock::now();
        const auto applied = AppliedPlan::apply(model, plan, calibration, progress);
        t.wall = bench::secondsSince(start);
        runs.push_back(applied->applySeconds());
    }
    t.median = bench::median(runs);
    return t;
}

} // namespace

int main(int argc, char** argv)
{
    const bool skipLarge = argc > 1 && std::strcmp(argv[1], "--no-large") == 0;
    configureThreads();
    std::printf("bench_apply: %d cores, %d threads\n", coreCount(), threadCount());
    NullProgress progress;
    const DatasetSplits data = loadDataset(defaultDatasetPath(), {}, progress);

    const std::vector<std::pair<const char*, double>> specs{
        {"w8:per-channel", 0.0}, {"w4:group32:asym:mse", 0.0}, {"fp8_e4m3", 0.0}, {"w4:per-channel", 0.5}};
    std::printf("\napply a uniform plan to all layers (median of 3, weights only)\n");
    std::printf("%-40s %-22s %6s %11s\n", "model", "plan", "rank", "apply ms");
    for (const std::string& path : bench::benchModels()) {
        auto model = Model::load(path);
        model->profile(data.evaluation);
        for (const auto& [spec, rank] : specs) {
            const Timing t = timeApply(*model, uniformPlan(spec, rank, model->layers()), data.calibration, 3);
            std::printf("%-40s %-22s %6.2f %11.1f\n", path.c_str(), spec, rank, 1e3 * t.median);
        }
    }

    std::printf("\nevaluation throughput on the 10,000 test images, input fake-quant off and on\n");
    std::printf("%-40s %-22s %10s %10s %8s %14s\n", "model", "plan", "seconds", "images/s", "top-1", "calibration s");
    for (const std::string& path : bench::benchModels()) {
        auto model = Model::load(path);
        model->profile(data.evaluation);
        for (const char* spec : {"fp32", "w8:per-channel", "w8:per-channel,a8", "w8:per-channel,abf16"}) {
            const auto applied = AppliedPlan::apply(*model, uniformPlan(spec, 0.0, model->layers()), data.calibration, progress);
            EvalOptions warm;
            warm.limit = 1000;
            applied->evaluate(data.evaluation, warm, progress); // lets the JIT executor specialise
            const EvalResult r = applied->evaluate(data.evaluation, {}, progress);
            std::printf("%-40s %-22s %10.2f %10.0f %8.4f %14.2f\n", path.c_str(), spec, r.seconds, r.samplesPerSecond(),
                        r.top1(), applied->calibrationSeconds());
        }
    }

    if (skipLarge)
        return 0;
    // 6 x 4096 x 4096 = 100.7 M parameters (403 MB in fp32).
    const std::string stack = (std::filesystem::temp_directory_path() / "bitlens_linear_stack.pt").string();
    auto start = std::chrono::steady_clock::now();
    testing::writeLinearStack(stack, 4096, 6);
    std::printf("\nsynthetic linear stack 6 x 4096 x 4096 written in %.1f s\n", bench::secondsSince(start));
    start = std::chrono::steady_clock::now();
    auto model = Model::load(stack);
    std::printf("loaded in %.1f s: %lld parameters\n", bench::secondsSince(start), static_cast<long long>(model->totalParams()));
    // The first apply also grows the heap by the copies' ~1 GB: timed apart from the rest.
    const Timing first = timeApply(*model, uniformPlan("w8:per-channel", 0.0, model->layers()), data.calibration, 1);
    std::printf("first apply (w8:per-channel, heap growth included): %.2f s\n", first.median);
    std::printf("%-22s %6s %11s\n", "plan", "rank", "apply s");
    for (const auto& [spec, rank] : std::vector<std::pair<const char*, double>>{
             {"w8:per-channel", 0.0}, {"w4:group128", 0.0}, {"w4:group128:mse", 0.0}, {"fp8_e4m3", 0.0}}) {
        const Timing t = timeApply(*model, uniformPlan(spec, rank, model->layers()), data.calibration, 1);
        std::printf("%-22s %6.2f %11.2f\n", spec, rank, t.median);
    }
    std::filesystem::remove(stack);
    return 0;
}
