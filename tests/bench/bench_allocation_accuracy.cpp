// What an allocator buys on the bigger demo model: knapsack plans over {w2…w8 per-channel} with the
// same bytes as the uniform w3, w4 and w5 plans, from the measured and the llc cost tables
// (calibration 512), against those uniform plans, all measured on the 10,000 test images.

#include "bench_common.h"

#include "core/alloc/cost_table_problem.h"
#include "core/alloc/knapsack.h"
#include "core/data/dataset.h"
#include "core/eval/applied_plan.h"
#include "core/progress.h"
#include "core/quant/memory_cost.h"
#include "core/runtime.h"

#include <cstdio>

using namespace bitlens;

int main()
{
    configureThreads();
    std::printf("bench_allocation_accuracy: %d cores, %d threads\n", coreCount(), threadCount());
    NullProgress progress;
    DatasetOptions dataOptions;
    dataOptions.calibrationSize = 512;
    const DatasetSplits data = loadDataset(defaultDatasetPath(), dataOptions, progress);
    auto model = Model::load(defaultModelPath());
    model->profile(data.evaluation);
    AnalysisOptions options;
    options.statistics = options.activations = options.spectra = options.quantError = false;
    options.sensitivity = true;
    options.sensitivityOptions.estimators = {"measured", "llc"};
    options.sensitivityOptions.options = {"w2", "w3", "w4", "w5", "w6", "w8"};
    const auto start = std::chrono::steady_clock::now();
    const ModelAnalysis analysis = analyzeModel(*model, options, &data.calibration, progress);
    std::printf("cost tables (measured, llc; %zu layers x 6 options): %.1f s\n", analysis.layers.size(),
                bench::secondsSince(start));

    const auto accuracy = [&](const CompressionPlan& plan) {
        auto applied = AppliedPlan::apply(*model, plan, data.calibration, progress);
        return applied->evaluate(data.evaluation, {}, progress).top1();
    };
    const EvalResult fp32 = evaluate(*model, data.evaluation, {}, progress);
    std::printf("FP32: top-1 %.2f %%\n", 100 * fp32.top1());
    std::printf("%-28s %12s %10s %10s %12s\n", "plan", "bytes", "avg bits", "top-1 %", "solve ms");
    for (int bits : {3, 4, 5}) {
        const CompressionPlan uniform = uniformPlan("w" + std::to_string(bits), 0.0, model->layers());
        const PlanCost cost = planCost(model->layers(), model->totalParams(), uniform);
        std::printf("%-28s %12lld %10.3f %10.2f %12s\n", ("uniform w" + std::to_string(bits)).c_str(),
                    (long long)cost.layerBytes, cost.averageBits, 100 * accuracy(uniform), "-");
        for (const char* estimator : {"measured", "llc"}) {
            const AllocationProblem problem = problemFromAnalysis(analysis, estimator, cost.layerBytes, std::nullopt);
            const Allocation a = knapsackAllocation(problem, hundredthBitResolution(model->layers()), progress);
            const CompressionPlan plan = planFromChoices(problem, a.choices);
            const PlanCost planned = planCost(model->layers(), model->totalParams(), plan);
            std::printf("%-28s %12lld %10.3f %10.2f %12.2f\n", (std::string("knapsack (") + estimator + ")").c_str(),
                        (long long)planned.layerBytes, planned.averageBits, 100 * accuracy(plan), 1e3 * a.solverSeconds);
        }
    }
    return 0;
}
