// Evaluation throughput (images/s) on the 10,000 Fashion-MNIST test images, one thread and all.

#include "bench_common.h"

#include "core/data/dataset.h"
#include "core/eval/evaluator.h"
#include "core/progress.h"
#include "core/runtime.h"

#include <cstdio>

using namespace bitlens;

int main()
{
    std::printf("bench_eval: %d cores\n", coreCount());
    NullProgress progress;
    auto start = std::chrono::steady_clock::now();
    const DatasetSplits data = loadDataset(defaultDatasetPath(), {}, progress);
    std::printf("dataset load (70,000 images, gzipped IDX): %.2f s\n", bench::secondsSince(start));

    std::printf("%-44s %7s %8s %10s %10s %8s\n", "model", "threads", "batch", "seconds", "images/s", "top-1");
    for (const std::string& path : bench::benchModels()) {
        auto model = Model::load(path);
        model->profile(data.evaluation);
        for (int threads : {1, coreCount()}) {
            configureThreads(threads);
            EvalOptions warm;
            warm.limit = 1000;
            evaluate(*model, data.evaluation, warm, progress); // lets the JIT executor specialise
            const EvalResult r = evaluate(*model, data.evaluation, {}, progress);
            std::printf("%-44s %7d %8lld %10.2f %10.0f %8.4f\n", path.c_str(), threads,
                        static_cast<long long>(EvalOptions{}.batchSize), r.seconds, r.samplesPerSecond(), r.top1());
            if (coreCount() == 1)
                break;
        }
    }
    return 0;
}
